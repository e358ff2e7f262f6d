//! Helpers only queue-backpressure's tests use: the scenario both sides run, and the
//! claims both make about it.
#![allow(dead_code)] // each test file uses its own part of these

use std::collections::HashMap;

use crate::common::number;

/// 400 items of 1,000 B, 4 consumers x 5 ms, a queue of 8: 0.5 s a queue.
pub const SCENARIO: [&str; 12] = [
    "--items",
    "400",
    "--consumers",
    "4",
    "--work-ms",
    "5",
    "--capacity",
    "8",
    "--item-bytes",
    "1000",
    "--throughput-items",
    "10000",
];

/// The claims both sides make, checked on a summary of SCENARIO.
pub fn assert_backpressure(s: &HashMap<String, String>) {
    // At most 8 waiting, and 8 reached; unbounded, the producer never waits: all 400.
    assert_eq!(number(s, "waiting_bounded"), 8.0, "{s:?}");
    assert_eq!(number(s, "waiting_unbounded"), 400.0, "{s:?}");
    // Measured memory: every waiting payload is held at once, against a few items' worth.
    assert!(number(s, "heap_bytes_unbounded") >= 400.0 * 1000.0, "{s:?}");
    assert!(number(s, "heap_bytes_bounded") < 40.0 * 1000.0, "{s:?}");
    // Held back, the producer finishes near the end; unbounded, at once.
    assert!(number(s, "producer_share_bounded") > 0.5, "{s:?}");
    assert!(number(s, "producer_share_unbounded") < 0.2, "{s:?}");
    assert_eq!(s["consumed_once"], "true");
    // 100 items a consumer x 5 ms: never faster, not far slower even on a busy machine.
    // Both queues' consumers' time over ideal_s (2 x 100 x 5 ms).
    assert!((0.99..4.0).contains(&number(s, "ratio")), "{s:?}");
    assert!((number(s, "ideal_s") - 1.0).abs() < 1e-9, "{s:?}");
    assert!(number(s, "items_per_s") > 0.0, "{s:?}");
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
