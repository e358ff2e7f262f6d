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
fn python_trace_shows_parking_and_waking() {
    let Some(text) = run_python(&[
        "--trace",
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
        &["--trace", "--runtime", "asyncio"],
    ] {
        let Ok(out) = Command::new("python3").arg(script()).args(args).output() else {
            eprintln!("python3 not found on PATH: skipping");
            return;
        };
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}
