//! Runs the Python twin, when python3 is installed: the same jobs, signal and grace, the
//! same counts, and a real SIGTERM from outside handled the same way.

mod common;
mod local;

use std::process::Command;

use common::{first_line_then_close, number, processes_in_group, summary};
use local::signal_on_cues;
use nix::sys::signal::Signal;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/python/graceful-shutdown.py");

fn python3() -> bool {
    let found = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("python3 not found: skipping the Python twin of graceful-shutdown");
    }
    found
}

#[test]
fn the_python_twin_stops_the_short_jobs_and_cancels_the_stuck_one() {
    if !python3() {
        return;
    }
    let out = Command::new("python3")
        .args([SCRIPT, "--grace-ms", "400"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    local::assert_every_key_is_named_above(&stdout);
    let s = summary(&stdout);
    assert_eq!(s["signal"], "SIGINT");
    assert_eq!(s["completed"], "1");
    assert_eq!(s["stopped"], "2");
    assert_eq!(s["aborted"], "1");
    let shutdown = number(&s, "shutdown_s");
    assert!((0.39..0.65).contains(&shutdown), "{shutdown}");
    assert_eq!(s["unjoined_completed"], "0");
    assert_eq!(s["unjoined_dropped"], "3");
    assert_eq!(s["joined_completed"], "3");
}

#[test]
fn the_python_twin_handles_a_real_sigterm() {
    if !python3() {
        return;
    }
    let mut cmd = Command::new("python3");
    cmd.args([SCRIPT, "--wait-for-signal", "--grace-ms", "300"]);
    let run = signal_on_cues(cmd, &[("waiting for Ctrl-C", Signal::SIGTERM)]);
    assert!(run.status.success(), "{} {}", run.status, run.stderr);
    let s = summary(&run.stdout);
    assert_eq!(s["signal"], "SIGTERM");
    assert_eq!(s["aborted"], "1");
}

#[test]
fn the_python_twin_handles_a_real_sigint_and_leaves_nothing() {
    if !python3() {
        return;
    }
    let mut cmd = Command::new("python3");
    cmd.args([SCRIPT, "--wait-for-signal", "--grace-ms", "300"]);
    let run = signal_on_cues(cmd, &[("waiting for Ctrl-C", Signal::SIGINT)]);
    assert!(run.status.success(), "{} {}", run.status, run.stderr);
    assert_eq!(run.stderr, "");
    let s = summary(&run.stdout);
    assert_eq!(s["signal"], "SIGINT");
    assert_eq!(s["aborted"], "1");
    assert_eq!(number(&s, "completed") + number(&s, "stopped"), 3.0);
    assert_eq!(processes_in_group(run.group), Vec::<u32>::new());
}

/// Ctrl-C outside part 1's handler (here in part 2): the twin stops at once, quietly (no
/// traceback), with status 130, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn a_ctrl_c_after_the_shutdown_stops_the_python_twin_with_130() {
    let args = ["--signal-after-ms", "1", "--grace-ms", "1"];
    let after = std::time::Duration::from_millis(400);
    let Some(run) = common::ctrl_c_python(SCRIPT, &args, after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}

#[test]
fn the_python_twin_ends_quietly_on_a_closed_pipe() {
    if !python3() {
        return;
    }
    // It writes line by line, so its next line meets the closed pipe.
    let mut twin = Command::new("python3");
    twin.args([SCRIPT, "--signal-after-ms", "10", "--grace-ms", "10"]);
    let (line, status, stderr) = first_line_then_close(twin);
    assert!(line.starts_with("1. jobs run until a signal"), "{line}");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
}
