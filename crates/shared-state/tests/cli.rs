//! Runs the built binary and its minimal program as a user does, and checks their claims.

mod common;
mod local;

use std::process::Command;

use common::{example, first_line_then_close, python_twin, summary};
use local::{SCENARIO, assert_shared_state};

const BIN: &str = env!("CARGO_BIN_EXE_shared-state");

#[test]
fn updates_are_lost_on_one_thread_and_each_fix_counts_all() {
    let out = Command::new(BIN).args(SCENARIO).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let s = summary(&stdout);
    assert_shared_state(&s);
    local::assert_every_key_is_named_above(&stdout);
    // tokio's Mutex costs more per update than an atomic (best of five rounds each).
    let (tokio_ns, atomic_ns) = (
        common::number(&s, "ns_async_lock"),
        common::number(&s, "ns_one_step"),
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

/// stdout on a full disk: one `error:` line and status 1 from the demo, the minimal
/// program and the twin, never a panic or a lost-output exit 0.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    use common::assert_one_error_line_on_a_full_disk;
    let small = ["--tasks", "10", "--delay-ms", "1", "--cost-updates", "1000"];
    let mut bin = Command::new(BIN);
    bin.args(small);
    assert_one_error_line_on_a_full_disk(bin);
    assert_one_error_line_on_a_full_disk(Command::new(example("lostupdate")));
    if let Some(mut py) = python_twin() {
        py.args(small);
        assert_one_error_line_on_a_full_disk(py);
    }
}

/// More tasks than this process's memory limit can hold: one `error:` line naming the
/// flag to lower, before any row runs (not "memory allocation failed" and an abort).
#[cfg(target_os = "linux")]
#[test]
fn tasks_the_memory_limit_cannot_hold_fail_with_one_error_line() {
    let out = Command::new("sh")
        .args(["-c", "ulimit -v 50000; exec \"$0\" \"$@\"", BIN])
        .args(["--tasks", "100000", "--delay-ms", "1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: 100000 tasks need about"),
        "{stderr}"
    );
    assert!(stderr.contains("lower --tasks"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing ran");
}
