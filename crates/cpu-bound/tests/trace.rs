//! `--trace`: the run read back from its Chrome trace, and the lesson asserted from the
//! trace itself: every job once, on the lane of the worker that ran it, one at a time per
//! lane; with two workers, their jobs side by side (in one of three runs, on two cores:
//! on one core, or with the other core busy, the OS may run them in turn).

mod common;

use std::collections::HashSet;
use std::process::Command;

use common::{Slice, TempDir, most_at_once, python_twin, read_trace, summary};

const BIN: &str = env!("CARGO_BIN_EXE_cpu-bound");
const SMALL: [&str; 10] = [
    "--size",
    "3000000",
    "--jobs",
    "8",
    "--workers",
    "2",
    "--rounds",
    "1",
    "--factorial",
    "0",
];

fn stdout_of(mut cmd: Command) -> String {
    let out = cmd.output().expect("run the program");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

/// The cores this process may run on (taskset narrows them).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Every job 0..8 exactly once, and no two slices on one lane at once.
fn every_job_once_one_at_a_time_per_lane(way: &str, jobs: &[&Slice]) {
    let mut names: Vec<&str> = jobs.iter().map(|s| s.name.as_str()).collect();
    names.sort();
    let expected: Vec<String> = (0..8)
        .map(|j| format!("job {j}: sum of i*i below {}", 3_000_000 + j))
        .collect();
    let mut expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(names, expected, "{way}");
    let lanes: HashSet<&str> = jobs.iter().map(|s| s.track.as_str()).collect();
    for lane in lanes {
        let on_it: Vec<&Slice> = jobs.iter().copied().filter(|s| s.track == lane).collect();
        assert_eq!(
            most_at_once(&on_it),
            1,
            "{way}: {lane} ran two jobs at once"
        );
    }
}

/// Runs the demo with --trace; returns the trace and the summary.
fn traced() -> (common::Trace, std::collections::HashMap<String, String>) {
    let dir = TempDir::new();
    let path = dir.join("cpu-bound.json");
    let mut cmd = Command::new(BIN);
    cmd.args(SMALL).arg("--trace").arg(&path);
    let out = stdout_of(cmd);
    assert!(out.contains("trace written to"), "{out}");
    (read_trace(&path), summary(&out))
}

#[test]
fn each_worker_has_a_lane_and_the_jobs_run_side_by_side() {
    let mut side_by_side = 0;
    for _ in 0..3 {
        let (trace, s) = traced();
        assert_eq!(s["results_equal"], "true");
        for (way, lanes) in [
            ("sequential", vec!["main thread"]),
            ("std threads (scoped)", vec!["thread 0", "thread 1"]),
            (
                "forked processes + pipes",
                vec!["child process 0", "child process 1"],
            ),
            ("rayon", vec!["rayon worker 0", "rayon worker 1"]),
        ] {
            let jobs = trace.slices_of(way);
            every_job_once_one_at_a_time_per_lane(way, &jobs);
            let used: HashSet<&str> = jobs.iter().map(|s| s.track.as_str()).collect();
            assert!(used.iter().all(|t| lanes.contains(t)), "{way}: {used:?}");
            if way != "rayon" {
                // Jobs k, k + 2, k + 4...: four on each worker's lane (rayon steals work).
                assert_eq!(used.len(), lanes.len(), "{way}: {used:?}");
            }
        }
        let both = ["std threads (scoped)", "forked processes + pipes"]
            .iter()
            .all(|way| most_at_once(&trace.slices_of(way)) == 2);
        side_by_side += both as usize;
        if cores() < 2 || side_by_side > 0 {
            break;
        }
    }
    if cores() >= 2 {
        assert!(
            side_by_side > 0,
            "no run of three had the two workers' jobs side by side"
        );
    }
}

#[test]
fn the_trace_changes_no_figure() {
    let (_, with) = traced();
    let mut cmd = Command::new(BIN);
    cmd.args(SMALL);
    let without = summary(&stdout_of(cmd));
    for key in [
        "results_equal",
        "children_left",
        "jobs",
        "workers",
        "factorial_digits",
    ] {
        assert_eq!(with[key], without[key], "{key}");
    }
}

#[test]
fn a_trace_that_cannot_be_written_is_one_error_line() {
    let out = Command::new(BIN)
        .args(SMALL)
        .args(["--trace", "/nonexistent-folder/t.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: cannot write the trace"),
        "{stderr}"
    );
}

#[test]
fn python_twin_trace_has_a_lane_per_worker() {
    let Some(mut cmd) = python_twin() else {
        return;
    };
    let dir = TempDir::new();
    let path = dir.join("twin.json");
    cmd.args([
        "--size",
        "200000",
        "--jobs",
        "8",
        "--workers",
        "2",
        "--factorial",
        "0",
        "--trace",
    ])
    .arg(&path);
    let out = stdout_of(cmd);
    assert_eq!(summary(&out)["results_equal"], "true", "{out}");
    let trace = read_trace(&path);
    for way in ["sequential", "threads (one GIL)", "multiprocessing.Pool"] {
        let jobs = trace.slices_of(way);
        assert_eq!(jobs.len(), 8, "{way}: {jobs:?}");
        let lanes: HashSet<&str> = jobs.iter().map(|s| s.track.as_str()).collect();
        for lane in lanes {
            let on_it: Vec<&Slice> = jobs.iter().copied().filter(|s| s.track == lane).collect();
            assert_eq!(
                most_at_once(&on_it),
                1,
                "{way}: {lane} ran two jobs at once"
            );
        }
    }
    let threads: HashSet<&str> = trace
        .slices_of("threads (one GIL)")
        .iter()
        .map(|s| s.track.as_str())
        .collect();
    assert_eq!(threads.len(), 2, "{threads:?}");
}
