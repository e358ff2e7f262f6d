//! Runs the built binary and its minimal program as a user does, and checks their claims.

mod common;

use std::process::Command;

use common::{SCENARIO, assert_shared_state, example, first_line_then_close, summary};

const BIN: &str = env!("CARGO_BIN_EXE_shared-state");

#[test]
fn updates_are_lost_on_one_thread_and_each_fix_counts_all() {
    let out = Command::new(BIN).args(SCENARIO).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = summary(&String::from_utf8(out.stdout).unwrap());
    assert_shared_state(&s);
    // tokio's Mutex costs more per update than an atomic (best of five rounds each).
    let (tokio_ns, atomic_ns) = (
        common::number(&s, "ns_tokio_mutex"),
        common::number(&s, "ns_atomic"),
    );
    assert!(atomic_ns > 0.0 && tokio_ns > atomic_ns, "{s:?}");
}

#[test]
fn the_minimal_program_loses_updates_then_counts_them_all() {
    let out = Command::new(example("lostupdate")).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let lost: u64 = lines[0]
        .strip_prefix("Counter should be 100, was ")
        .unwrap()
        .parse()
        .unwrap();
    assert!(lost <= 50, "{stdout}");
    assert_eq!(
        lines[1],
        "With a lock held across the await: counter should be 100, was 100"
    );
}

#[test]
fn bad_arguments_exit_2_naming_the_flag() {
    for (args, flag) in [
        (&["--tasks", "1"][..], "--tasks"),
        (&["--tasks", "1000000"], "--tasks"),
        (&["--delay-ms", "0"], "--delay-ms"),
        (&["--cost-updates", "10"], "--cost-updates"),
        // 100,000 tasks x 1 s: the locked row alone would take 28 hours.
        (&["--tasks", "100000", "--delay-ms", "1000"], "--delay-ms"),
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(flag),
            "{args:?}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_it_quietly() {
    // The first line comes before the tasks run: the rest comes after the close.
    let mut bin = Command::new(BIN);
    bin.args([
        "--tasks",
        "10",
        "--delay-ms",
        "20",
        "--cost-updates",
        "1000",
    ]);
    for cmd in [bin, Command::new(example("lostupdate"))] {
        let (line, status, stderr) = first_line_then_close(cmd);
        assert!(line.contains("ounter") || line.contains("tasks"), "{line}");
        assert!(status.success(), "{status}: {stderr}");
        assert_eq!(stderr, "");
    }
}
