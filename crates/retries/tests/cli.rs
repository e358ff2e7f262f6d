//! Runs the built binary and its minimal program as a user does, and checks their claims.

mod common;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{example, first_line_then_close, number, summary};

const BIN: &str = env!("CARGO_BIN_EXE_retries");

fn run(extra: &[&str]) -> (HashMap<String, String>, String) {
    let out = Command::new(BIN).args(extra).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    (summary(&stdout), stdout)
}

/// The default run: 100 calls at 200 a second, the service down for 200 ms of each.
#[test]
fn retries_at_once_multiply_the_load_and_the_breaker_sheds_it() {
    let (s, stdout) = run(&[]);
    assert_eq!(number(&s, "calls"), 100.0);
    // One attempt a call: the service sees at most one request per call.
    let once = number(&s, "load_once");
    assert!((0.9..=1.0).contains(&once), "{stdout}");
    // Measured 2.87x and 1,000 a second while down (5 attempts x 200 calls a second).
    let now = number(&s, "load_now");
    assert!(now >= 1.8 * once, "{stdout}");
    assert!(number(&s, "outage_rps_now") >= 500.0, "{stdout}");
    // The breaker: measured 0.84x and 40 a second while down, 44 calls shed.
    assert!(number(&s, "load_breaker") < now / 2.0, "{stdout}");
    assert!(
        number(&s, "outage_rps_breaker") < number(&s, "outage_rps_now") / 4.0,
        "{stdout}"
    );
    assert!(number(&s, "shed") >= 10.0, "{stdout}");
    // Retries pay: more calls succeed (measured 44 / 60 / 74 %).
    assert!(number(&s, "ok_now") > number(&s, "ok_once"), "{stdout}");
    assert!(number(&s, "ok_backoff") > number(&s, "ok_once"), "{stdout}");
    // The deadline bounds a back-off call's whole time (measured 151 ms of 150).
    let deadline = number(&s, "deadline_ms");
    assert!(
        number(&s, "slowest_backoff_ms") <= deadline + 50.0,
        "{stdout}"
    );
}

/// A deadline shorter than the back-off bounds every call by it.
#[test]
fn a_short_deadline_bounds_the_slowest_call() {
    let (s, stdout) = run(&["--calls", "40", "--spread-ms", "200", "--deadline-ms", "60"]);
    assert!(number(&s, "slowest_backoff_ms") <= 60.0 + 40.0, "{stdout}");
    assert!(number(&s, "slowest_backoff_ms") >= 40.0, "{stdout}");
}

/// No retries allowed: every policy sends one request per call, and the breaker fewer.
#[test]
fn one_attempt_means_no_extra_load() {
    let (s, stdout) = run(&["--attempts", "1", "--calls", "50", "--spread-ms", "250"]);
    for key in ["load_once", "load_now", "load_backoff"] {
        assert!(number(&s, key) <= 1.0, "{key}: {stdout}");
    }
}

#[test]
fn the_minimal_program_retries_until_the_fourth_attempt() {
    let out = Command::new(example("retries")).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.matches("503").count(), 3, "{stdout}");
    assert!(
        stdout.contains("attempt 4 at") && stdout.contains("200 OK"),
        "{stdout}"
    );
    assert!(
        stdout.lines().last().unwrap().starts_with("4 attempts in"),
        "{stdout}"
    );
}

#[test]
fn bad_arguments_exit_2_naming_the_flag() {
    for (args, flag) in [
        (&["--fail", "1.5"][..], "--fail"),
        (&["--fail", "0.9", "--stall", "0.2"][..], "--stall"),
        (
            &["--outage-from-ms", "300", "--outage-to-ms", "100"][..],
            "--outage-to-ms",
        ),
        (&["--calls", "0"][..], "--calls"),
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(flag),
            "{args:?}"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    common::assert_one_error_line_on_a_full_disk(Command::new(BIN));
    common::assert_one_error_line_on_a_full_disk(Command::new(example("retries")));
}

#[test]
fn a_closed_pipe_ends_it_quietly() {
    for cmd in [Command::new(BIN), Command::new(example("retries"))] {
        let (line, status, stderr) = first_line_then_close(cmd);
        assert!(!line.is_empty(), "{line}");
        assert!(status.success(), "{status}: {stderr}");
        assert_eq!(stderr, "");
    }
}

/// SIGINT or SIGTERM mid-run: the process ends, and nothing is left in its group.
#[cfg(target_os = "linux")]
#[test]
fn a_signal_mid_run_leaves_no_process_behind() {
    use std::os::unix::process::CommandExt;
    for signal in ["INT", "TERM"] {
        let mut child = Command::new(BIN)
            .args(["--spread-ms", "5000"])
            .process_group(0)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let group = child.id();
        std::thread::sleep(Duration::from_millis(300));
        let kill = format!("kill -{signal} {group}");
        Command::new("sh").args(["-c", &kill]).status().unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success());
        let ended = Instant::now();
        let mut left = common::processes_in_group(group).len();
        while left > 0 && ended.elapsed() < Duration::from_secs(3) {
            std::thread::sleep(Duration::from_millis(20));
            left = common::processes_in_group(group).len();
        }
        assert_eq!(left, 0, "SIG{signal} left a process behind");
    }
}
