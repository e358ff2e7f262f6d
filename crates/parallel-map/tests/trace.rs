//! `--trace`: the run read back from its Chrome trace, and the lesson asserted from the
//! trace itself: the sequential map's 40 calls one after another on one lane; the pool's
//! 40 calls on its threads' lanes, one at a time per lane, side by side across lanes (in
//! wall time, which holds on one core too: both threads are mid-call, taking turns).

mod common;

use std::collections::HashSet;
use std::process::Command;

use common::{Slice, TempDir, most_at_once, python_twin, read_trace, summary};

const BIN: &str = env!("CARGO_BIN_EXE_parallel-map");
const SMALL: [&str; 6] = ["--n-jobs", "2", "--item-ms", "3", "--tiny-reps", "5"];

fn stdout_of(mut cmd: Command) -> String {
    let out = cmd.output().expect("run the program");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

fn one_call_at_a_time_per_lane(group: &str, calls: &[&Slice]) -> HashSet<String> {
    let lanes: HashSet<String> = calls.iter().map(|s| s.track.clone()).collect();
    for lane in &lanes {
        let on_it: Vec<&Slice> = calls.iter().copied().filter(|s| &s.track == lane).collect();
        assert_eq!(
            most_at_once(&on_it),
            1,
            "{group}: {lane} ran two calls at once"
        );
    }
    lanes
}

/// The 40 inputs the joblib line keeps, as the calls are named.
fn the_forty(calls: &[&Slice]) -> Vec<u64> {
    let mut bs: Vec<u64> = calls
        .iter()
        .map(|s| {
            s.name
                .strip_prefix("func(7, ")
                .unwrap()
                .split(')')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    bs.sort();
    bs
}

#[test]
fn the_pools_calls_run_side_by_side_on_its_threads_lanes() {
    let dir = TempDir::new();
    let path = dir.join("pm.json");
    let mut cmd = Command::new(BIN);
    cmd.args(SMALL).arg("--trace").arg(&path);
    let out = stdout_of(cmd);
    assert!(out.contains("trace written to"), "{out}");
    let trace = read_trace(&path);
    let expected: Vec<u64> = (0..100).filter(|b| b % 5 > 2).collect();
    let sequential = trace.slices_of("sequential map");
    assert_eq!(the_forty(&sequential), expected);
    let lanes = one_call_at_a_time_per_lane("sequential", &sequential);
    assert_eq!(lanes, HashSet::from(["main thread".to_string()]));
    let pool = trace.slices_of("rayon pool, n_jobs=2");
    assert_eq!(the_forty(&pool), expected);
    let lanes = one_call_at_a_time_per_lane("pool", &pool);
    assert!(
        lanes
            .iter()
            .all(|l| l == "pool thread 0" || l == "pool thread 1"),
        "{lanes:?}"
    );
    assert_eq!(lanes.len(), 2, "both pool threads ran calls: {lanes:?}");
    assert_eq!(most_at_once(&pool), 2, "{pool:?}");
    assert_eq!(summary(&out)["threads_used"], "2");
}

#[test]
fn the_trace_changes_no_figure() {
    let dir = TempDir::new();
    let mut with = Command::new(BIN);
    with.args(SMALL).arg("--trace").arg(dir.join("t.json"));
    let with = summary(&stdout_of(with));
    let mut without = Command::new(BIN);
    without.args(SMALL);
    let without = summary(&stdout_of(without));
    for key in [
        "n_jobs",
        "items",
        "pool_threads",
        "order_kept",
        "results_equal",
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
        "--n-jobs",
        "2",
        "--item-ms",
        "2",
        "--tiny-reps",
        "2",
        "--trace",
    ])
    .arg(&path);
    let out = stdout_of(cmd);
    assert_eq!(summary(&out)["results_equal"], "true", "{out}");
    let trace = read_trace(&path);
    let expected: Vec<u64> = (0..100).filter(|b| b % 5 > 2).collect();
    for group in [
        "sequential map",
        "process pool, n_jobs=2",
        "thread pool, n_jobs=2 (one GIL)",
    ] {
        let calls = trace.slices_of(group);
        assert_eq!(the_forty(&calls), expected, "{group}");
        let lanes = one_call_at_a_time_per_lane(group, &calls);
        assert!(lanes.len() <= 2, "{group}: {lanes:?}");
    }
}
