//! Runs the Python twin, when python3 is installed, with small parameters, and checks the
//! claims its summary line makes (wide margins: the machine may be busy).

mod common;
mod local;

use std::process::{Command, Output};

use common::{number, summary};

fn python(args: &[&str]) -> Option<Output> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/multitasking.py");
    let Ok(out) = Command::new("python3").arg(script).args(args).output() else {
        println!("python3 not found: skipped the Python twin of multitasking");
        return None;
    };
    Some(out)
}

#[test]
fn python_twin_shows_preemption_starvation_and_both_switch_costs() {
    let Some(out) = python(&[
        "--threads",
        "3",
        "--duration-ms",
        "600",
        "--sample-ms",
        "100",
        "--tick-ms",
        "50",
        "--spin-ms",
        "400",
        "--round-trips",
        "200",
    ]) else {
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = summary(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(s["threads"], "3");
    assert_eq!(s["threads_all_progressed"], "true");
    let starved = number(&s, "worst_late_spin_ms");
    let yielding = number(&s, "worst_late_yield_ms");
    // The spin starts at 75 ms and lasts 400: the tick due at 100 ms cannot run before
    // 475 ms. Beside the yielder only the OS can make a tick late (wide margin: a machine
    // loaded many times over its cores delays every tick).
    assert!(
        starved >= 370.0,
        "asyncio ticker beside the hog was only {starved} ms late"
    );
    assert!(
        yielding < 0.5 * starved,
        "asyncio ticker beside the yielder was {yielding} ms late, beside the hog {starved}"
    );
    for key in ["task_switch_ns", "thread_handoff_ns"] {
        assert!(number(&s, key) > 0.0, "{key}");
    }
}

#[test]
fn python_twin_refuses_the_same_combinations() {
    for args in [&["--sample-ms", "5000"][..], &["--tick-ms", "2000"]] {
        let Some(out) = python(args) else { return };
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(args[0]));
    }
}

#[test]
fn python_twin_ends_quietly_on_a_closed_pipe() {
    if python(&["--help"]).is_none() {
        return;
    }
    let mut cmd = Command::new("python3");
    cmd.args([
        concat!(env!("CARGO_MANIFEST_DIR"), "/python/multitasking.py"),
        "--duration-ms",
        "100",
        "--sample-ms",
        "50",
        "--tick-ms",
        "50",
        "--spin-ms",
        "30",
        "--round-trips",
        "100",
    ]);
    let (line, status, stderr) = common::first_line_then_close(cmd);
    assert!(line.starts_with("Part 1:"), "{line}");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
}

/// Ctrl-C in the middle of the run: the twin stops at once, quietly (no traceback), with
/// status 130, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_stops_quietly_on_ctrl_c() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/multitasking.py");
    let after = std::time::Duration::from_millis(300);
    let Some(run) = common::ctrl_c_python(script, &[], after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}

const QUICK: [&str; 10] = [
    "--duration-ms",
    "100",
    "--sample-ms",
    "50",
    "--tick-ms",
    "50",
    "--spin-ms",
    "30",
    "--round-trips",
    "100",
];

#[cfg(target_os = "linux")]
#[test]
fn python_twin_gives_one_error_line_on_a_full_disk() {
    if let Some(mut twin) = common::python_twin() {
        twin.args(["--threads", "1"]).args(QUICK);
        common::assert_one_error_line_on_a_full_disk(twin);
    }
}

/// The twin checks ahead as the Rust side does, and a start that fails later (Python's
/// "can't start new thread") is one line too, not a traceback and a hang.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_refuses_more_threads_than_the_memory_limit_holds() {
    if common::python_twin().is_none() {
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/multitasking.py");
    let args = [&[script, "--threads", "512"][..], &QUICK].concat();
    let out = local::under_a_memory_limit("python3", &args);
    local::assert_one_error_line(&out, &["--threads 512", "ulimit -v 300000"]);
    assert!(out.stdout.is_empty(), "it started before refusing");
    let args = [&[script, "--threads", "120"][..], &QUICK].concat();
    let out = local::under_a_memory_limit("python3", &args);
    local::assert_one_error_line(&out, &["--threads", "ulimit -v"]);
}
