//! Runs the built binary with small parameters and checks what it claims: WouldBlock at
//! once, a blocking read that waits its timeout, every client echoed, the blocking server
//! paying K think times and the non-blocking one about one (with wide margins).

mod common;
mod local;

use std::net::TcpListener;
use std::process::{Command, Output};

use common::number;
use local::BIN;

fn run(args: &[&str]) -> Output {
    match Command::new(BIN).args(args).output() {
        Ok(out) => out,
        Err(e) => panic!("cannot run {BIN}: {e}"),
    }
}

/// The summary of a run that must have succeeded.
fn summary(out: &Output) -> std::collections::HashMap<String, String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    common::summary(&stdout)
}

#[test]
fn both_servers_small_run_shows_the_claims() {
    let (k, d_ms, timeout_ms) = (8.0, 100.0, 100.0);
    let out = run(&[
        "--clients",
        "8",
        "--delay-ms",
        "100",
        "--read-timeout-ms",
        "100",
    ]);
    let s = summary(&out);
    local::assert_every_key_is_named_above(&String::from_utf8_lossy(&out.stdout));

    // Part one: WouldBlock at once (a wide margin: 20 ms), the blocking read waits.
    assert!(number(&s, "wouldblock_us") < 20_000.0, "{s:?}");
    assert!(number(&s, "blocking_wait_ms") >= 0.9 * timeout_ms, "{s:?}");

    // Part two: every client got its own line back from both servers.
    assert_eq!(s["echoed"], "16");

    // The blocking server pays every think time in turn; the non-blocking one overlaps them.
    let kd = k * d_ms / 1000.0;
    assert!(number(&s, "blocking_s") >= 0.8 * kd, "{s:?}");
    assert!(number(&s, "nonblocking_s") < 0.5 * kd, "{s:?}");
    assert!(number(&s, "nonblocking_s") >= 0.9 * d_ms / 1000.0, "{s:?}");
    assert!(number(&s, "speedup") > 2.0, "{s:?}");
    assert!(
        (number(&s, "ideal_s") - (kd + 0.1 + 0.1)).abs() < 1e-6,
        "{s:?}"
    );
}

#[test]
fn nonblocking_server_alone_serves_hundreds_at_once() {
    let out = run(&[
        "--server",
        "nonblocking",
        "--clients",
        "300",
        "--delay-ms",
        "50",
    ]);
    let s = summary(&out);
    assert_eq!(s["echoed"], "300");
    assert_eq!(s["blocking_s"], "na");
    assert_eq!(s["speedup"], "na");
    // One after another this would take 300 x 50 ms = 15 s.
    assert!(number(&s, "nonblocking_s") < 5.0, "{s:?}");
}

#[test]
fn poll_backend_works_too() {
    let out = run(&[
        "--server",
        "nonblocking",
        "--poller",
        "poll",
        "--clients",
        "50",
        "--delay-ms",
        "50",
    ]);
    let s = summary(&out);
    assert_eq!(s["poller"], "poll");
    assert_eq!(s["echoed"], "50");
    assert!(number(&s, "nonblocking_s") < 0.5 * 50.0 * 0.05, "{s:?}");
}

#[test]
fn blocking_server_alone_serves_one_after_another() {
    let out = run(&["--server", "blocking", "--clients", "3", "--delay-ms", "60"]);
    let s = summary(&out);
    assert_eq!(s["echoed"], "3");
    assert_eq!(s["nonblocking_s"], "na");
    assert!(number(&s, "blocking_s") >= 0.8 * 3.0 * 0.06, "{s:?}");
    assert!(number(&s, "blocking_ratio") >= 0.8, "{s:?}");
}

#[test]
fn bad_flags_exit_2() {
    for args in [
        &["--clients", "0"][..],
        &["--delay-ms", "soon"],
        &["--server", "sideways"],
        &["--no-such-flag"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

fn assert_one_error_line(out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "stderr: {stderr}");
    assert!(lines[0].starts_with("error: "), "stderr: {stderr}");
    assert!(lines[0].contains(needle), "stderr: {stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("summary:"));
}

#[test]
fn open_file_limit_too_low_is_one_error_line() {
    // A shell lowers both limits (soft and hard) before it becomes the demo.
    let script = "ulimit -n 100 && exec \"$0\" --server nonblocking --clients 1000";
    let out = match Command::new("sh").args(["-c", script, BIN]).output() {
        Ok(out) => out,
        Err(e) => panic!("cannot run sh: {e}"),
    };
    assert_one_error_line(&out, "RLIMIT_NOFILE");
}

#[test]
fn client_process_with_no_server_is_one_error_line() {
    // A port that was just free: nobody listens there now.
    let addr = match TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(addr) => addr.to_string(),
        Err(e) => panic!("cannot bind loopback: {e}"),
    };
    let out = run(&["--client-role", &addr, "--clients", "2", "--delay-ms", "10"]);
    assert_one_error_line(&out, "cannot connect");
}
