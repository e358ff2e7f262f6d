//! Helpers shared by this crate's integration tests (`tests/cli.rs` and `tests/python.rs`).

use std::collections::HashMap;

pub fn summary(text: &str) -> HashMap<String, String> {
    let last = text.lines().last().unwrap_or_default();
    let fields = last
        .strip_prefix("summary: ")
        .unwrap_or_else(|| panic!("last line is not a summary: {last}"));
    fields
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
