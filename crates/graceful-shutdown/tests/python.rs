//! Runs the Python twin, when python3 is installed: the same jobs, signal and grace, the
//! same counts, and a real SIGTERM from outside handled the same way.

mod common;

use std::process::Command;

use common::{number, signal_on_cues, summary};
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
    let s = summary(&String::from_utf8(out.stdout).unwrap());
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
