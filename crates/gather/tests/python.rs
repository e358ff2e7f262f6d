//! The Python twin (python/gather.py) runs to completion with small parameters and makes
//! the same claims as the Rust program. Skipped, with a message, when python3 is absent.

mod common;
mod local;

use std::path::Path;
use std::process::Command;

use common::{number, summary};
use local::words;

fn run_python(args: &[&str]) -> Option<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/gather.py");
    let Ok(out) = Command::new("python3").arg(script).args(args).output() else {
        eprintln!("python3 not found on PATH: skipping the Python twin test");
        return None;
    };
    assert!(
        out.status.success(),
        "gather.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn python_gather_overlaps_the_sleeps() {
    let Some(stdout) = run_python(&["--count", "3", "--delay-ms", "200"]) else {
        return;
    };
    assert_eq!(words(&stdout), ["One", "One", "One", "Two", "Two", "Two"]);
    let s = summary(&stdout);
    assert_eq!(s["mode"], "gather");
    assert_eq!(s["order_ok"], "true");
    let elapsed = number(&s, "elapsed_s");
    assert!((0.19..0.4).contains(&elapsed), "{elapsed}");
    // The same keys as the Rust program's, and no cost per coroutine for three of them.
    assert!(!s.contains_key("overhead_ns_per_coroutine"), "{s:?}");
    assert!(stdout.contains("is start-up and timer slack, not a cost per coroutine"));
    assert!(stdout.contains("await asyncio.sleep, joined by asyncio.gather"));
}

#[test]
fn python_blocking_sleep_adds_up() {
    let Some(stdout) = run_python(&["--blocking", "--count", "3", "--delay-ms", "100"]) else {
        return;
    };
    assert_eq!(words(&stdout), ["One", "Two", "One", "Two", "One", "Two"]);
    let s = summary(&stdout);
    assert_eq!(s["mode"], "blocking");
    assert_eq!(s["order_ok"], "true");
    assert!(number(&s, "elapsed_s") >= 0.25);
}

#[test]
fn python_gather_ends_quietly_on_a_closed_pipe() {
    if run_python(&["--count", "1", "--delay-ms", "1"]).is_none() {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/gather.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script).args(["--count", "3", "--delay-ms", "200"]);
    let (line, status, stderr) = common::first_line_then_close(cmd);
    assert!(line.starts_with("gather: 3 count() coroutine(s)"), "{line}");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn python_gather_refuses_a_count_too_large_to_hold() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/gather.py");
    let Ok(out) = Command::new("python3")
        .arg(script)
        .args(["--count", "4294967295"])
        .output()
    else {
        return;
    };
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--count"));
}

/// Ctrl-C in the middle of the run: the twin stops at once, quietly (no traceback), with
/// status 130, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_stops_quietly_on_ctrl_c() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/gather.py");
    let after = std::time::Duration::from_millis(300);
    let Some(run) = common::ctrl_c_python(script, &["--delay-ms", "5000"], after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}
