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
    for key in ["counter_tokio_mutex", "counter_atomic", "counter_std_mutex"] {
        assert_eq!(number(s, key), 100.0, "{key}: {s:?}");
    }
    // The lock held across the await runs the tasks one after another (100 delays);
    // the atomic lets the waits overlap (about one). Never faster, wide slack above.
    assert!(
        (0.99..4.0).contains(&number(s, "ratio_tokio_mutex")),
        "{s:?}"
    );
    assert!(number(s, "ratio_atomic") >= 0.99, "{s:?}");
    let locked_s = number(s, "ratio_tokio_mutex") * 100.0;
    assert!(number(s, "ratio_atomic") < locked_s / 5.0, "{s:?}");
}
