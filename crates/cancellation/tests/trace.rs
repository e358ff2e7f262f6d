//! The `--trace` file asserts the lesson itself: each case's job is a slice from its start
//! until it really stopped, and the caller's moment (a timeout, an abort) is an instant.
//! Where the job is cancelled it stops at that moment; where it is not (a timeout on a
//! JoinHandle, abort() on spawn_blocking) it runs on for its whole length after it.

mod common;

use std::process::Command;

use common::{TempDir, number, python_twin, read_trace, summary};

const BIN: &str = env!("CARGO_BIN_EXE_cancellation");
const WORK_MS: f64 = 200.0;

/// The job's slice (if it ran) and the caller's moment in the group `case`, in ms.
fn job_and_moment(trace: &common::Trace, case: &str) -> (Option<(String, f64, f64)>, f64) {
    let jobs: Vec<_> = trace
        .slices_of(case)
        .into_iter()
        .filter(|s| s.track == "the job")
        .collect();
    assert!(jobs.len() <= 1, "{case}: {jobs:?}");
    let moments: Vec<_> = trace
        .moments
        .iter()
        .filter(|m| m.group.starts_with(case))
        .collect();
    assert_eq!(moments.len(), 1, "{case}: {moments:?}");
    let job = jobs
        .first()
        .map(|s| (s.kind.clone(), s.start / 1e3, s.end / 1e3));
    (job, moments[0].at / 1e3)
}

/// The job stopped when the caller gave up: it ended within a few ms of that moment.
fn stopped_at_the_moment(trace: &common::Trace, case: &str) {
    let (job, at) = job_and_moment(trace, case);
    let (kind, start, end) = job.unwrap_or_else(|| panic!("{case}: no job"));
    assert_eq!(kind, "stopped at its .await", "{case}");
    assert!(
        (end - at).abs() < 30.0,
        "{case}: ended at {end} ms, the caller's moment at {at} ms"
    );
    assert!(
        end - start < WORK_MS * 0.75,
        "{case}: ran {} ms",
        end - start
    );
}

/// The job ran on after the caller's moment, to its whole length.
fn ran_on_after_the_moment(trace: &common::Trace, case: &str, at_least_after_ms: f64) {
    let (job, at) = job_and_moment(trace, case);
    let (kind, start, end) = job.unwrap_or_else(|| panic!("{case}: no job"));
    assert_eq!(kind, "ran to the end", "{case}");
    assert!(end - start >= WORK_MS, "{case}: ran {} ms", end - start);
    assert!(
        end - at >= at_least_after_ms,
        "{case}: ended {} ms after the moment",
        end - at
    );
}

fn every_case_from_the_trace(trace: &common::Trace) {
    stopped_at_the_moment(trace, "timeout on the future");
    stopped_at_the_moment(trace, "abort() on a task");
    // 50 ms in: the job has about 150 ms to go, and goes.
    ran_on_after_the_moment(trace, "timeout on the JoinHandle", 0.9 * (WORK_MS - 50.0));
    // Aborted as soon as it started: the whole 200 ms follow the abort.
    ran_on_after_the_moment(trace, "abort() on spawn_blocking", 0.9 * WORK_MS);
    ran_on_after_the_moment(trace, "spawned, never awaited", 0.9 * WORK_MS);
    ran_on_after_the_moment(trace, "JoinHandle dropped", 0.9 * WORK_MS);
    let (never, _) = job_and_moment(trace, "a future never awaited");
    assert!(
        never.is_none(),
        "a future never polled has no job slice: {never:?}"
    );
}

#[test]
fn the_trace_shows_each_job_until_it_really_stopped() {
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let out = Command::new(BIN)
        .args(["--trace"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout
            .lines()
            .rev()
            .nth(1)
            .unwrap()
            .starts_with("trace written to "),
        "{stdout}"
    );
    every_case_from_the_trace(&read_trace(&path));
}

#[test]
fn the_trace_changes_no_figure() {
    let plain = Command::new(BIN)
        .args(["--work-ms", "40", "--timeout-ms", "10"])
        .output()
        .unwrap();
    let plain = summary(&String::from_utf8(plain.stdout).unwrap());
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let with = Command::new(BIN)
        .args(["--work-ms", "40", "--timeout-ms", "10", "--trace"])
        .arg(&path)
        .output()
        .unwrap();
    let with = summary(&String::from_utf8(with.stdout).unwrap());
    for key in plain.keys().filter(|k| !k.ends_with("_s")) {
        assert_eq!(plain[key], with[key], "{key}");
    }
    assert!((number(&plain, "elapsed_s") - number(&with, "elapsed_s")).abs() < 0.1);
}

#[test]
fn the_python_twins_trace_shows_the_same_ends() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let out = twin.arg("--trace").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let trace = read_trace(&path);
    every_case_from_the_trace(&trace);
    // Python's own case: a timeout around `await task` cancels the task itself.
    stopped_at_the_moment(&trace, "timeout on the task");
}
