//! Helpers only this crate's tests use.

/// Every key of the summary line is a figure the reader can find, named the same, in the
/// lines above it; and the line stays short enough to read (about 300 characters).
pub fn assert_every_key_is_named_above(stdout: &str) {
    let (above, line) = stdout
        .rsplit_once("summary: ")
        .unwrap_or_else(|| panic!("no summary line:\n{stdout}"));
    assert!(line.trim_end().len() + 9 <= 300, "summary too long: {line}");
    for key in crate::common::summary(stdout).keys() {
        assert!(
            above.contains(key.as_str()),
            "{key} is not named above the summary:\n{above}"
        );
    }
}

/// The table's row for `case` (it starts with the case's key, as the summary names it).
pub fn row<'a>(stdout: &'a str, case: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(case))
        .unwrap_or_else(|| panic!("no row {case} in:\n{stdout}"))
}

/// The row's started, completed and cleanup counts, read from the table as printed.
pub fn counts(stdout: &str, case: &str) -> (u32, u32, u32) {
    let numbers: Vec<u32> = row(stdout, case)
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (numbers[0], numbers[1], numbers[2])
}
