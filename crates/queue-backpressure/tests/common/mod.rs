//! Helpers shared by this crate's integration tests.
#![allow(dead_code)] // each test file uses its own part of these

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};

/// The `key=value` pairs of the closing `summary:` line.
pub fn summary(stdout: &str) -> HashMap<String, String> {
    let last = stdout.lines().last().unwrap_or_default();
    let fields = last
        .strip_prefix("summary: ")
        .unwrap_or_else(|| panic!("the last line is not a summary: {last}"));
    fields
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The number under `key` in a summary.
pub fn number(summary: &HashMap<String, String>, key: &str) -> f64 {
    let value = summary
        .get(key)
        .unwrap_or_else(|| panic!("no {key} in {summary:?}"));
    value
        .parse()
        .unwrap_or_else(|_| panic!("{key}={value} is not a number"))
}

/// The example `name`, built by `cargo test` before it runs the tests.
pub fn example(name: &str) -> PathBuf {
    let mut dir = std::env::current_exe().unwrap(); // target/<profile>/deps/<test>
    dir.pop();
    dir.pop();
    let path = dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo test` (it builds the examples)",
        path.display()
    );
    path
}

/// Runs `cmd`, reads its first line and closes the pipe, as `| head -n 1` does; returns
/// that line, how the program ended, and its stderr.
pub fn first_line_then_close(mut cmd: Command) -> (String, ExitStatus, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // The reader is gone: the program's next write finds the pipe closed.
    let out = child.wait_with_output().unwrap();
    (
        line,
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

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
