//! Runs the Python twin, if python3 is on PATH, and checks its summary line.

mod common;
mod local;

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
    local::assert_every_key_is_named_above(&text);
    assert_eq!(s["same_results"], "true", "{text}");
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
    for key in [
        "tasks",
        "clients",
        "ideal_s",
        "same_results",
        "library_elapsed_s",
    ] {
        assert!(s.contains_key(key), "missing {key}");
    }
}

/// The twin's counterpart of the order test: its generator loop and asyncio both run the
/// ready tasks first come, first served (asyncio's `loop._ready` is a deque; `await
/// asyncio.sleep(0)` goes to its back) and fire the timers by deadline (a heap).
#[test]
fn python_loops_run_ready_tasks_in_order_and_timers_by_deadline() {
    let Some(text) = run_python(&["--clients", "1", "--step-ms", "60"]) else {
        return;
    };
    let s = summary(&text);
    assert_eq!(s["ready_order"], "fifo", "{text}");
    assert_eq!(s["timer_order"], "deadline", "{text}");
    assert!(
        text.contains("sleeps armed in the order 24 6 18 12 ms"),
        "{text}"
    );
    for name in ["scratch loop  t1", "asyncio       t1"] {
        let row = text
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no order row {name}:\n{text}"));
        assert!(
            row.contains("t1 t2 t3 t4 t5 | t1 t2 t3 t4 t5  fifo")
                && row.contains("6 12 18 24")
                && row.ends_with("deadline"),
            "{row}"
        );
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
