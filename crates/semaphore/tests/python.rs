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
