//! The Python twin runs to completion and its summary line makes the same claims,
//! including a true one-thread asyncio row. Skipped (with a message) when python3 is
//! not on PATH.

mod common;

use std::path::Path;

#[test]
fn python_twin_overlaps_the_waits_and_its_async_row_runs_on_one_thread() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/io-bound.py");
    let args = ["--requests", "12", "--latency-ms", "100", "--pool", "4"];
    let Ok(out) = common::command("python3").arg(&script).args(args).output() else {
        eprintln!("python3 not found on PATH: skipping the Python twin test");
        return;
    };
    assert!(out.status.success(), "{}", common::stderr(&out));
    let s = common::summary(&out.stdout);
    let f = |key: &str| common::num(&s, key);
    let seq = f("sequential_s");
    assert!(seq >= 1.2);
    assert!(
        f("threads_s") < seq / 3.0,
        "threads {} vs {seq}",
        f("threads_s")
    );
    assert!(f("async_s") < seq / 3.0, "async {} vs {seq}", f("async_s"));
    // asyncio.to_thread's default executor has min(32, cores + 4) threads: 2+ rounds here.
    assert!(f("threads_behind_async_s") < seq / 2.0);
    assert!(f("blocked_async_s") >= 0.7 * seq);
    assert_eq!(s["all_ok"], "true");
    assert_eq!(s["served"], "72");
    assert_eq!(s["peak_sequential"], "1");
    assert_eq!(s["peak_blocked_async"], "1");
    assert!(f("peak_async") >= 9.0, "peak_async {}", s["peak_async"]);
    assert!(
        f("peak_threads") >= 2.0,
        "peak_threads {}",
        s["peak_threads"]
    );
    assert_eq!(s["threads_async"], "1");
    assert!(f("threads_threads_behind_async") >= 3.0);
}

/// Ctrl-C in the middle of the run: the twin stops at once, quietly (no traceback), with
/// status 130, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_stops_quietly_on_ctrl_c() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/io-bound.py");
    let after = std::time::Duration::from_millis(500);
    let Some(run) = common::ctrl_c_python(script, &[], after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}
