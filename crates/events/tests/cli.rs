//! Runs the built binary and its minimal program as a user does, and checks their claims.

mod common;

use std::collections::HashMap;
use std::process::Command;

use common::{example, first_line_then_close, number, summary};

const BIN: &str = env!("CARGO_BIN_EXE_events");
const SMALL: [&str; 10] = [
    "--waiters",
    "50",
    "--late",
    "8",
    "--updates",
    "500",
    "--parties",
    "4",
    "--stagger-ms",
    "40",
];

fn run_small(extra: &[&str]) -> (HashMap<String, String>, String) {
    let out = Command::new(BIN).args(SMALL).args(extra).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (summary(&stdout), stdout)
}

#[test]
fn one_event_releases_every_waiter_on_one_thread() {
    let (s, stdout) = run_small(&[]);
    assert_eq!(s["waiters"], "50");
    assert_eq!(s["released"], "50", "{stdout}");
    // They run right after the signal, one after another: well under the 10 ms they had
    // to get ready, even on a busy core.
    assert!(number(&s, "release_ms") < 100.0, "{stdout}");
    if cfg!(target_os = "linux") {
        assert_eq!(s["threads"], "1", "{stdout}");
    }
}

#[test]
fn the_lost_wake_up_edge_permit_and_level_counted() {
    let (s, stdout) = run_small(&[]);
    assert_eq!(s["edge_woke"], "0", "{stdout}");
    assert_eq!(s["permit_woke"], "1", "{stdout}");
    assert_eq!(s["level_woke"], "8", "{stdout}");
}

#[test]
fn a_watch_keeps_only_the_latest_value() {
    let (s, stdout) = run_small(&[]);
    assert_eq!(s["sent"], "500");
    let seen = number(&s, "seen");
    // The reader takes 1 ms a value; the 500 are sent in well under that many ms.
    assert!((1.0..250.0).contains(&seen), "{stdout}");
    assert_eq!(s["latest_ok"], "yes", "{stdout}");
}

#[test]
fn a_barrier_releases_every_party_at_once() {
    let (s, stdout) = run_small(&[]);
    assert_eq!(s["parties"], "4");
    assert_eq!(s["leaders"], "1", "{stdout}");
    // They arrive 3 x 40 ms apart; they leave within a few ms of each other.
    assert!(number(&s, "arrive_spread_ms") >= 115.0, "{stdout}");
    assert!(number(&s, "release_spread_ms") < 20.0, "{stdout}");
}

#[test]
fn the_minimal_program_releases_five_and_shows_the_lost_wake_up() {
    let out = Command::new(example("events")).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "set the event", "{stdout}");
    assert_eq!(
        lines.iter().filter(|l| l.ends_with(" released")).count(),
        5,
        "{stdout}"
    );
    assert!(
        stdout.contains("notify_waiters(): woke = false"),
        "{stdout}"
    );
    assert!(stdout.contains("set to true: woke = true"), "{stdout}");
}

#[test]
fn the_trace_shows_the_releases_together() {
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let (s, _) = run_small(&["--trace", path.to_str().unwrap()]);
    let trace = common::read_trace(&path);
    let ends = |group: &str| -> Vec<f64> {
        let slices = trace.slices_of(group);
        slices
            .iter()
            .filter(|s| s.kind == "waits")
            .map(|s| s.end)
            .collect()
    };
    let spread = |v: &[f64]| {
        v.iter().cloned().fold(f64::MIN, f64::max) - v.iter().cloned().fold(f64::MAX, f64::min)
    };
    let released = ends("one event");
    assert_eq!(released.len(), 20, "the first 20 waiters are drawn");
    assert!(spread(&released) < 100e3);
    let barrier = ends("a barrier");
    assert_eq!(barrier.len(), 4);
    assert!(spread(&barrier) < 20e3, "{barrier:?}");
    let missed = trace.slices_of("latecomers");
    assert!(
        missed
            .iter()
            .all(|s| s.name.starts_with("notify_waiters: missed"))
    );
    let seen = trace.levels_of("the latest value", "value seen");
    assert_eq!(seen.len() as f64, number(&s, "seen"));
    assert_eq!(seen.last().map(|l| l.value), Some(500.0));
}

#[test]
fn the_trace_changes_no_count() {
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let (plain, _) = run_small(&[]);
    let (traced, _) = run_small(&["--trace", path.to_str().unwrap()]);
    for key in [
        "released",
        "edge_woke",
        "permit_woke",
        "level_woke",
        "latest_ok",
        "leaders",
    ] {
        assert_eq!(plain[key], traced[key], "{key}");
    }
}

#[test]
fn a_bad_argument_exits_2() {
    let out = Command::new(BIN).arg("--parties=1").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--parties"));
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    common::assert_one_error_line_on_a_full_disk(Command::new(BIN));
    common::assert_one_error_line_on_a_full_disk(Command::new(example("events")));
}

#[test]
fn a_closed_pipe_ends_it_quietly() {
    for cmd in [Command::new(BIN), Command::new(example("events"))] {
        let (line, status, stderr) = first_line_then_close(cmd);
        assert!(line.contains("event"), "{line}");
        assert!(status.success(), "{status}: {stderr}");
        assert_eq!(stderr, "");
    }
    let (status, stderr) = common::reader_gone_from_the_start(Command::new(BIN));
    assert!(status.success() && stderr.is_empty(), "{status}: {stderr}");
}
