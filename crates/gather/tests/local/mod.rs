//! Helpers only gather's tests use.
#![allow(dead_code)] // each test file uses its own part of these

/// The One/Two words, in the order a program printed them (first word of each line).
pub fn words(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| *w == "One" || *w == "Two")
        .map(str::to_string)
        .collect()
}
