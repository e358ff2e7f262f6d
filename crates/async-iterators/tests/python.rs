//! Runs the Python twin, when python3 is installed, and checks the same claims and the
//! same manners: quiet on a closed pipe, one error line on a full disk, and a Ctrl-C that
//! stops it with status 130, no traceback and no process left.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{first_line_then_close, number, python_twin, summary};

const SMALL: [&str; 8] = [
    "--items", "60", "--buffer", "5", "--jobs", "12", "--job-ms", "20",
];

fn run_twin(extra: &[&str]) -> Option<(HashMap<String, String>, String)> {
    let mut twin = python_twin()?;
    let out = twin.args(SMALL).args(extra).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(
        stderr, "",
        "no warning about a task destroyed while pending"
    );
    Some((summary(&stdout), stdout))
}

#[test]
fn the_python_twin_shows_the_same_laziness_backpressure_and_closes() {
    let Some((s, stdout)) = run_twin(&[]) else {
        return;
    };
    assert_eq!(s["hand_before"], "0", "{stdout}");
    assert_eq!(s["unfold_before"], "0", "{stdout}");
    assert_eq!(s["channel_before"], "5", "{stdout}");
    assert_eq!(s["hand_after"], "1", "{stdout}");
    assert_eq!(s["pulled_ahead"], "0", "{stdout}");
    assert!(number(&s, "bounded_ahead") <= 5.0, "{stdout}");
    assert!(number(&s, "unbounded_ahead") >= 50.0, "{stdout}");
    assert!(number(&s, "bounded_producer_ms") >= 50.0, "{stdout}");
    assert!(number(&s, "unbounded_producer_ms") < 40.0, "{stdout}");
    assert_eq!(s["in_flight"], "4", "{stdout}");
    assert!(number(&s, "seq_ms") >= 240.0, "{stdout}");
    assert!(number(&s, "unordered_ms") < 180.0, "{stdout}");
    assert_eq!(s["close_awaited"], "1", "{stdout}");
    assert_eq!(s["drop_done_at_exit"], "0", "{stdout}");
    assert_eq!(s["drop_lost"], "1", "{stdout}");
    assert_eq!(s["threads"], "1", "{stdout}");
}

#[test]
fn the_python_twins_trace_shows_the_buffer_and_the_jobs_in_flight() {
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let Some((s, _)) = run_twin(&["--trace", path.to_str().unwrap()]) else {
        return;
    };
    let trace = common::read_trace(&path);
    let most = |name: &str| {
        trace
            .levels_of("backpressure", name)
            .iter()
            .map(|l| l.value)
            .fold(0.0, f64::max)
    };
    assert_eq!(most("ahead: pulled"), 0.0);
    assert!(most("ahead: bounded") <= 5.0);
    assert_eq!(most("ahead: unbounded"), number(&s, "unbounded_ahead"));
    let jobs = trace.slices_of("jobs");
    let (seq, bounded): (Vec<_>, Vec<_>) =
        jobs.iter().partition(|j| j.track == "sequential async for");
    assert_eq!(seq.len(), 12);
    assert_eq!(common::most_at_once(&seq), 1);
    assert_eq!(common::most_at_once(&bounded), 4);
}

#[test]
fn the_python_twin_ends_quietly_on_a_closed_pipe() {
    let Some(twin) = python_twin() else { return };
    let (line, status, stderr) = first_line_then_close(twin);
    assert!(line.starts_with("1. lazy"), "{line}");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
}

#[cfg(target_os = "linux")]
#[test]
fn the_python_twin_gives_one_error_line_on_a_full_disk() {
    let Some(twin) = python_twin() else { return };
    common::assert_one_error_line_on_a_full_disk(twin);
}

#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_stops_the_python_twin_cleanly() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/async-iterators.py");
    let args = ["--items", "100000"];
    let Some(run) = common::ctrl_c_python(script, &args, Duration::from_millis(300)) else {
        return;
    };
    assert!(!run.hung && !run.ended_first, "{run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "{run:?}");
}
