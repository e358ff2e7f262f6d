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
