//! Runs the Python twin, when python3 is installed, and checks its claims: CPython's
//! threads keep at most about one core busy with CPU work (the real GIL), while threads
//! waiting in time.sleep overlap. Skipped, with a message, when python3 is missing.

mod common;

use std::process::Command;

use common::{number, summary};

#[test]
fn python_twin_shows_the_real_gil() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/gil.py");
    let args = [
        script,
        "--threads",
        "2",
        "--work",
        "0.2",
        "--io-ops",
        "4",
        "--io-ms",
        "150",
        "--native-mb",
        "32",
    ];
    let Ok(out) = Command::new("python3").args(args).output() else {
        eprintln!("python3 not found: skipping the Python twin of gil");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    let s = summary(&stdout);
    assert_eq!(s["results_equal"], "true", "{stdout}");
    // Threads that wait in time.sleep overlap: 4 x 150 ms in about half the time.
    assert!(number(&s, "speedup_io") > 1.0 / 0.75, "{stdout}");
    // The GIL lets one thread run bytecode at a time: the process's CPU time is at most
    // about its wall time, one core busy (a busy machine only lowers it). A free-threaded build
    // (python3.13t) has no GIL, so there the claim does not hold.
    // The C-extension row ran and was measured (its scaling is the Rust test's to check).
    assert!(number(&s, "speedup_native") > 0.0, "{stdout}");
    assert!(number(&s, "speedup_procs") > 0.0, "{stdout}");
    if s["gil_enabled"] == "true" {
        assert!(number(&s, "busy_gil") < 1.3, "{stdout}");
    }
}

/// Ctrl-C in the middle of the run: the twin stops at once, quietly (no traceback), with
/// status 130, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_stops_quietly_on_ctrl_c() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/gil.py");
    let after = std::time::Duration::from_millis(300);
    let Some(run) = common::ctrl_c_python(script, &["--work", "30"], after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}
