//! Runs the Python twin, when python3 is installed, and checks the same claims, and the
//! one it adds: asyncio creates every task up front, and a stray release() lets 11 in.

mod common;

use std::process::Command;

use common::{number, summary};

#[test]
fn the_python_twin_keeps_the_limit_and_shows_the_stray_release() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/semaphore.py");
    let args = ["--requests", "40", "--limit", "4", "--latency-ms", "100"];
    let Ok(out) = Command::new("python3").arg(script).args(args).output() else {
        eprintln!("python3 not found: skipping the Python twin of semaphore");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = summary(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(number(&s, "peak_semaphore"), 4.0, "{s:?}");
    assert_eq!(number(&s, "peak_buffered"), 4.0, "{s:?}");
    assert_eq!(number(&s, "peak_unlimited"), 40.0, "{s:?}");
    // `async with sem` inside each task: all 40 tasks exist, 36 of them waiting.
    assert_eq!(number(&s, "tasks_semaphore"), 40.0, "{s:?}");
    // One release() without an acquire() raised the limit to 5.
    assert_eq!(number(&s, "available_after"), 5.0, "{s:?}");
    assert!(
        (0.99..4.0).contains(&number(&s, "ratio_semaphore")),
        "{s:?}"
    );
}

/// Ctrl-C in the middle of the run: the twin stops at once, quietly (no traceback), with
/// status 130, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_stops_quietly_on_ctrl_c() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/semaphore.py");
    let after = std::time::Duration::from_millis(300);
    let Some(run) = common::ctrl_c_python(script, &["--latency-ms", "1000"], after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}
