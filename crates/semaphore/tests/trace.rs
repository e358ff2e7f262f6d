//! `--trace`: the lesson read back from the trace itself. The server's own count of
//! requests in flight never passes the limit in the two limited rows (and does reach it),
//! the permits left stay between 0 and the limit, the limited rows' request slices never
//! use more lanes than the limit, the unlimited row has them all at once, and `--trace`
//! changes no figure.

mod common;

use std::process::Command;

use common::{TempDir, Trace, most_at_once, number, read_trace, summary};

const BIN: &str = env!("CARGO_BIN_EXE_semaphore");
const SEMAPHORE: &str = "Semaphore, permit before spawn";
const BUFFERED: &str = "buffer_unordered(limit), no tasks";
const UNLIMITED: &str = "no limit, a task per request";
const IN_FLIGHT: &str = "in flight (server count)";

fn traced(args: &[&str]) -> (Trace, std::collections::HashMap<String, String>, String) {
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let out = Command::new(BIN)
        .args(args)
        .arg("--trace")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    (read_trace(&path), summary(&stdout), stdout)
}

fn levels(trace: &Trace, group: &str, name: &str) -> Vec<f64> {
    let levels = trace.levels_of(group, name);
    assert!(!levels.is_empty(), "no {name} counter in {group}");
    levels.iter().map(|l| l.value).collect()
}

#[test]
fn the_servers_count_never_passes_the_limit_and_reaches_it() {
    let (trace, _, _) = traced(&["--requests", "40", "--limit", "4", "--latency-ms", "100"]);
    assert_eq!(
        trace.groups,
        [SEMAPHORE, BUFFERED, UNLIMITED],
        "a group per way"
    );
    for group in [SEMAPHORE, BUFFERED] {
        let in_flight = levels(&trace, group, IN_FLIGHT);
        let most = in_flight.iter().copied().fold(0.0, f64::max);
        assert_eq!(
            most, 4.0,
            "{group}: the server's count peaked at {most}, not the limit 4"
        );
        let slices = trace.slices_of(group);
        assert_eq!(slices.len(), 40, "{group}: a slice per request");
        assert!(most_at_once(&slices) <= 4, "{group}");
        let lanes = trace.tracks.iter().filter(|(g, _)| g == group).count();
        assert_eq!(lanes, 4, "{group}: as many lanes as ever in flight at once");
    }
    // The permit is taken before the spawn: never more tasks alive than the limit.
    let tasks = levels(&trace, SEMAPHORE, "tasks alive (client)");
    assert_eq!(tasks.iter().copied().fold(0.0, f64::max), 4.0, "{tasks:?}");
    let permits = levels(&trace, SEMAPHORE, "permits left");
    assert!(
        permits.iter().all(|p| (0.0..=4.0).contains(p)),
        "{permits:?}"
    );
    assert_eq!(
        permits.iter().copied().fold(f64::MAX, f64::min),
        0.0,
        "all permits taken"
    );
    assert_eq!(permits.last(), Some(&4.0), "all given back at the end");
    let most = levels(&trace, UNLIMITED, IN_FLIGHT)
        .into_iter()
        .fold(0.0, f64::max);
    assert!(
        most >= 36.0,
        "without a limit, {most} of 40 in flight at once"
    );
    assert!(most_at_once(&trace.slices_of(UNLIMITED)) >= 36);
    assert!(trace.notes.is_empty());
}

#[test]
fn a_big_run_draws_a_hundred_lanes_and_says_so() {
    let (trace, _, stdout) = traced(&["--requests", "150", "--limit", "10", "--latency-ms", "20"]);
    let lanes = trace.tracks.iter().filter(|(g, _)| g == UNLIMITED).count();
    assert_eq!(lanes, 100, "{lanes} lanes");
    let most = levels(&trace, UNLIMITED, IN_FLIGHT)
        .into_iter()
        .fold(0.0, f64::max);
    assert!(
        most > 100.0,
        "the counter counts past the drawn lanes: {most}"
    );
    assert!(
        trace.notes.iter().any(|n| n.contains("at most 100 lanes")),
        "{:?}",
        trace.notes
    );
    assert!(
        stdout.contains("trace: a row draws at most 100 lanes"),
        "{stdout}"
    );
}

#[test]
fn the_trace_changes_no_figure() {
    let args = ["--requests", "30", "--limit", "5", "--latency-ms", "50"];
    let out = Command::new(BIN).args(args).output().unwrap();
    let plain = summary(&String::from_utf8(out.stdout).unwrap());
    let (_, with_trace, _) = traced(&args);
    for key in [
        "peak_semaphore",
        "tasks_semaphore",
        "peak_buffered",
        "peak_unlimited",
        "available_after",
    ] {
        assert_eq!(number(&plain, key), number(&with_trace, key), "{key}");
    }
}

#[test]
fn a_trace_that_cannot_be_written_is_one_error_line() {
    let out = Command::new(BIN)
        .args([
            "--requests",
            "4",
            "--limit",
            "2",
            "--latency-ms",
            "1",
            "--trace",
            "/nonexistent/t.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: cannot write the trace") && err.lines().count() == 1,
        "{err}"
    );
}
