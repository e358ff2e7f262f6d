//! Helpers only semaphore's tests use.
#![allow(dead_code)] // each test file uses its own part of these

pub mod burst;

/// The table's columns after `method` and `how`; `peak` of the row `semaphore` is the
/// summary's `peak_semaphore`.
const COLUMNS: [&str; 5] = ["seconds", "rounds", "ratio", "peak", "tasks"];

/// The table's rows as printed: the row's key, then its figures under COLUMNS' keys
/// (`peak_semaphore`, `tasks_buffered`, ...).
pub fn table(stdout: &str) -> Vec<(String, Vec<(String, f64)>)> {
    let mut lines = stdout.lines().skip_while(|l| !l.starts_with("method "));
    let header = lines
        .next()
        .unwrap_or_else(|| panic!("no table in:\n{stdout}"));
    let words: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(words[words.len() - COLUMNS.len()..], COLUMNS, "{header}");
    lines
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let values = &words[words.len() - COLUMNS.len()..];
            let figures = (COLUMNS.iter().zip(values))
                .map(|(c, v)| (format!("{c}_{}", words[0]), v.parse().unwrap()))
                .collect();
            (words[0].to_owned(), figures)
        })
        .collect()
}

/// Every key of the summary line is a figure the reader can find, named the same, above
/// it: as a word there, or as a column of the table and one of its rows (`peak_semaphore`),
/// with the same value; and the line stays short enough to read (about 300 characters).
pub fn assert_every_key_is_named_above(stdout: &str) {
    let (above, line) = stdout
        .rsplit_once("summary: ")
        .unwrap_or_else(|| panic!("no summary line:\n{stdout}"));
    assert!(line.trim_end().len() + 9 <= 300, "summary too long: {line}");
    let figures: Vec<(String, f64)> = table(stdout).into_iter().flat_map(|r| r.1).collect();
    for (key, value) in crate::common::summary(stdout) {
        let shown = figures.iter().find(|(k, _)| *k == key);
        if let Some((_, shown)) = shown {
            // The table rounds the ratio to 2 places, the summary to 3.
            let v: f64 = value.parse().unwrap();
            assert!(
                (shown - v).abs() <= 0.005 + 1e-9,
                "{key}: {v} vs the table's {shown}"
            );
            continue;
        }
        let named = above.contains(&format!("{key} ")) || above.contains(&format!("({key})"));
        assert!(named, "{key} is not named above the summary:\n{above}");
    }
}
