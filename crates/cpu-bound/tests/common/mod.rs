//! Helpers shared by this crate's integration tests (`tests/cli.rs` and `tests/python.rs`).

/// The value of `key` in the closing `summary:` line.
pub fn value<'a>(stdout: &'a str, key: &str) -> &'a str {
    let line = stdout.lines().last().expect("output is empty");
    assert!(
        line.starts_with("summary: "),
        "last line is not a summary: {line}"
    );
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no {key} in {line}"))
}
