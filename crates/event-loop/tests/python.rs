//! Runs the Python twin, if python3 is on PATH, and checks its summary line.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::summary;

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join("event-loop.py")
}

/// Runs the script; None when python3 is missing (the test then passes with a note).
fn run_python(args: &[&str]) -> Option<String> {
    let Ok(out) = Command::new("python3").arg(script()).args(args).output() else {
        eprintln!("python3 not found on PATH: skipping the Python twin test");
        return None;
    };
    assert!(
        out.status.success(),
        "python exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn python_scratch_loop_matches_asyncio_and_runs_concurrently() {
    let Some(text) = run_python(&["--clients", "2", "--step-ms", "60"]) else {
        return;
    };
    let s = summary(&text);
    assert_eq!(s["results_match_asyncio"], "true", "{text}");
    assert!(
        text.contains(
            "finish order (scratch loop): server nap echo-1 client-1 echo-2 client-2 rest long"
        ),
        "{text}"
    );
    let num = |k: &str| {
        s[k].parse::<f64>()
            .unwrap_or_else(|_| panic!("{k}={}", s[k]))
    };
    assert!(num("elapsed_s") < 1.8 * num("longest_wait_s"), "{text}");
    assert!(num("parks_on_io") >= 3.0 && num("wakeups") >= 5.0, "{text}");
    for key in ["tasks", "clients", "ideal_s", "results_match_tokio"] {
        assert!(s.contains_key(key), "missing {key}");
    }
}

#[test]
fn python_narrate_shows_parking_and_waking() {
    let Some(text) = run_python(&[
        "--narrate",
        "--runtime",
        "scratch",
        "--clients",
        "1",
        "--step-ms",
        "40",
    ]) else {
        return;
    };
    assert!(
        text.contains("pending on fd") && text.contains("readable"),
        "{text}"
    );
    assert!(text.contains("woke task 1 (client-1): fd"), "{text}");
}

#[test]
fn python_bad_flag_exits_2() {
    for args in [
        &["--clients", "0"][..],
        &["--narrate", "--runtime", "asyncio"],
    ] {
        let Ok(out) = Command::new("python3").arg(script()).args(args).output() else {
            eprintln!("python3 not found on PATH: skipping");
            return;
        };
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

/// Ctrl-C in the middle of the run: the twin stops at once, quietly (no traceback), with
/// status 130, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_stops_quietly_on_ctrl_c() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/event-loop.py");
    let after = std::time::Duration::from_millis(300);
    let Some(run) = common::ctrl_c_python(script, &["--step-ms", "1000"], after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}
