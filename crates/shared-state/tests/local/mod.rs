//! Helpers only shared-state's tests use: the scenario both sides run, and the claims both
//! make about it.
#![allow(dead_code)] // each test file uses its own part of these

use std::collections::HashMap;

use crate::common::number;

/// 100 tasks, 20 ms between read and write: about 2.1 s, most of it the locked row.
pub const SCENARIO: [&str; 6] = [
    "--tasks",
    "100",
    "--delay-ms",
    "20",
    "--cost-updates",
    "100000",
];

/// The claims both sides make, checked on a summary of SCENARIO.
pub fn assert_shared_state(s: &HashMap<String, String>) {
    // One thread, and still far below 100: every task read before any wrote.
    assert_eq!(number(s, "threads"), 1.0, "{s:?}");
    assert!(number(s, "counter_lost") <= 50.0, "{s:?}");
    // Each fix counts every update, exactly.
    for key in [
        "counter_async_lock",
        "counter_one_step",
        "counter_sync_lock",
    ] {
        assert_eq!(number(s, key), 100.0, "{key}: {s:?}");
    }
    // The lock held across the await runs the tasks one after another (100 delays);
    // the atomic lets the waits overlap (about one). Never faster, wide slack above.
    assert!(
        (0.99..4.0).contains(&number(s, "ratio_async_lock")),
        "{s:?}"
    );
    assert!(number(s, "ratio_one_step") >= 0.99, "{s:?}");
    let locked_s = number(s, "ratio_async_lock") * 100.0;
    assert!(number(s, "ratio_one_step") < locked_s / 5.0, "{s:?}");
}

/// Every key of the summary line is named in the lines above it: as itself, or as its
/// column's family (`counter_<key>`, `heap_bytes_<queue>`) beside the row it comes from.
pub fn assert_every_key_is_named_above(stdout: &str) {
    let (above, _) = stdout.rsplit_once("summary:").expect("a summary line");
    for key in crate::common::summary(stdout).keys() {
        let family = key.split_once('_').map(|(head, _)| format!("{head}_<"));
        let stem = ["_bounded", "_unbounded"]
            .iter()
            .find_map(|end| key.strip_suffix(end))
            .map(|stem| format!("{stem}_<"));
        assert!(
            above.contains(key.as_str())
                || family.is_some_and(|f| above.contains(&f))
                || stem.is_some_and(|f| above.contains(&f)),
            "{key} is not named above the summary:\n{above}"
        );
    }
}
