//! Helpers only this crate's tests use.

/// Every key of the summary line is a figure the reader can find, named the same, in the
/// lines above it: a key by its name, or a row's `<row>_x` and `<row>_late_ms` by the row
/// (a line of the table that starts with the row's key) and the line naming `<row>_x` and
/// `<row>_late_ms`. And the line stays short enough to read (about 300 characters).
pub fn assert_every_key_is_named_above(stdout: &str) {
    let (above, line) = stdout
        .rsplit_once("summary: ")
        .unwrap_or_else(|| panic!("no summary line:\n{stdout}"));
    assert!(line.trim_end().len() + 9 <= 300, "summary too long: {line}");
    for key in crate::common::summary(stdout).keys() {
        let by_row = ["_x", "_late_ms"].iter().any(|suffix| {
            key.strip_suffix(suffix).is_some_and(|row| {
                above.contains(&format!("<row>{suffix}"))
                    && above
                        .lines()
                        .any(|l| l.split_whitespace().next() == Some(row))
            })
        });
        assert!(
            above.contains(key.as_str()) || by_row,
            "{key} is not named above the summary:\n{above}"
        );
    }
}

/// The heartbeat late column of the table's row `row`, in ms (the row reads `... 795.6 ms
/// <ticks>`).
pub fn late_ms(stdout: &str, row: &str) -> f64 {
    let line = stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(row))
        .unwrap_or_else(|| panic!("no row {row} in:\n{stdout}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    words[words.len() - 3]
        .parse()
        .unwrap_or_else(|_| panic!("no lateness in: {line}"))
}
