//! Helpers shared by this crate's integration tests (`tests/cli.rs` and `tests/python.rs`).

/// The value of `key` in the closing `summary:` line.
pub fn value(stdout: &str, key: &str) -> String {
    let line = stdout.lines().last().expect("no output");
    assert!(
        line.starts_with("summary: "),
        "last line is not a summary: {line}"
    );
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key} in {line}"))
        .to_string()
}

pub fn number(stdout: &str, key: &str) -> f64 {
    value(stdout, key).parse().expect("not a number")
}
