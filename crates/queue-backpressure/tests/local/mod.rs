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
    for key in ["ratio_bounded", "ratio_unbounded"] {
        assert!((0.99..4.0).contains(&number(s, key)), "{key}: {s:?}");
    }
    assert!(number(s, "items_per_s") > 0.0, "{s:?}");
}
