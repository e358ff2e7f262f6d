//! `--trace`: the lesson read back from the trace itself. The concurrent rows' request
//! slices overlap (and their counter of requests in flight climbs to about all of them),
//! the sequential row and the blocking mistake never have two requests in flight, a row
//! of many requests draws a sample of tracks and says so, and `--trace` changes no figure.

mod common;
mod local;

use common::{TempDir, Trace, most_at_once, read_trace};
use local::{command, figures_of, run, stderr};

const SEQUENTIAL: &str = "sequential";
const THREADS: &str = "threads (one per request)";
const POOL: &str = "pool of 4 threads";
const ASYNC: &str = "async: reqwest, one thread";
const BEHIND: &str = "threads behind async";
const MISTAKE: &str = "async mistake: blocking call";

fn traced(args: &[&str]) -> (Trace, std::collections::HashMap<String, String>) {
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let out = command(env!("CARGO_BIN_EXE_io-bound"))
        .args(args)
        .arg("--trace")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("trace written to"), "{stdout}");
    (read_trace(&path), figures_of(&out))
}

fn highest(trace: &Trace, group: &str) -> f64 {
    let levels = trace.levels_of(group, "requests in flight");
    assert!(!levels.is_empty(), "no counter in {group}");
    levels.iter().map(|l| l.value).fold(0.0, f64::max)
}

#[test]
fn the_trace_shows_the_waits_overlap_except_one_after_another() {
    let (trace, s) = traced(&["--requests", "12", "--latency-ms", "100", "--pool", "4"]);
    let groups = [SEQUENTIAL, THREADS, POOL, ASYNC, BEHIND, MISTAKE];
    assert_eq!(trace.groups, groups, "one group per row of the table");
    let of = |group: &str| -> Vec<_> { trace.slices.iter().filter(|s| s.group == group).collect() };
    for group in groups {
        assert_eq!(of(group).len(), 12, "{group}: one slice per request");
        for slice in of(group) {
            assert!(
                slice.end - slice.start >= 99_000.0,
                "{slice:?} shorter than the latency"
            );
        }
    }
    // One track per request where the request is the unit, one per thread where it is not.
    let tracks = |group: &str| trace.tracks.iter().filter(|(g, _)| g == group).count();
    assert_eq!(tracks(SEQUENTIAL), 1);
    assert!(
        (2..=4).contains(&tracks(POOL)),
        "{} pool tracks",
        tracks(POOL)
    );
    for group in [THREADS, ASYNC, BEHIND, MISTAKE] {
        assert_eq!(tracks(group), 12, "{group}");
    }
    // One after another: never two in flight, and the row spans the twelve latencies.
    for group in [SEQUENTIAL, MISTAKE] {
        assert_eq!(most_at_once(&of(group)), 1, "{group}");
        assert_eq!(highest(&trace, group), 1.0, "{group}");
        assert!(Trace::span(&of(group)) >= 1_200_000.0, "{group}");
    }
    // At once: (nearly) all twelve in flight together, and the row spans about one latency.
    for group in [THREADS, ASYNC, BEHIND] {
        assert!(
            most_at_once(&of(group)) >= 9,
            "{group}: {}",
            most_at_once(&of(group))
        );
        assert!(highest(&trace, group) >= 9.0, "{group}");
        assert!(Trace::span(&of(group)) < 600_000.0, "{group}");
    }
    let pool = most_at_once(&of(POOL));
    assert!(
        (2..=4).contains(&pool) && highest(&trace, POOL) <= 4.0,
        "pool: {pool}"
    );
    // The async row's slices are tasks that await; the mistake's block the only thread.
    assert!(
        of(ASYNC)
            .iter()
            .all(|s| s.kind == "a task awaits its request")
    );
    assert!(
        of(MISTAKE)
            .iter()
            .all(|s| s.kind == "a task blocks the only thread")
    );
    // And the trace agrees with the summary: the server saw the same.
    assert_eq!(s["peak_sequential"], "1");
    assert!(trace.notes.is_empty(), "12 requests are drawn whole");
}

#[test]
fn a_row_of_many_requests_draws_a_sample_and_says_so() {
    let (trace, _) = traced(&["--requests", "150", "--latency-ms", "50", "--only", "async"]);
    let async_slices: Vec<_> = trace.slices_of(ASYNC);
    assert_eq!(async_slices.len(), 100, "the first 100 requests drawn");
    assert!(
        highest(&trace, ASYNC) >= 100.0,
        "the counter counts all 150"
    );
    assert!(
        trace.notes.iter().any(|n| n.contains("first 100 of 150")),
        "{:?}",
        trace.notes
    );
}

#[test]
fn the_trace_changes_no_figure() {
    let args = ["--requests", "8", "--latency-ms", "100", "--pool", "4"];
    let plain = figures_of(&run(&args));
    let (_, with_trace) = traced(&args);
    for key in [
        "all_ok",
        "served",
        "peak_sequential",
        "peak_pool",
        "peak_blocked_async",
    ] {
        assert_eq!(plain[key], with_trace[key], "{key}");
    }
    for key in [
        "threads_async",
        "threads_sequential",
        "threads_blocked_async",
    ] {
        assert_eq!(plain[key], with_trace[key], "{key}");
    }
    for row in ["threads", "async", "threads_behind_async"] {
        let peak = |s: &std::collections::HashMap<String, String>| {
            common::number(s, &format!("peak_{row}"))
        };
        assert!(peak(&plain) >= 6.0 && peak(&with_trace) >= 6.0, "{row}");
    }
}

#[test]
fn a_trace_that_cannot_be_written_is_one_error_line() {
    let out = run(&[
        "--requests",
        "2",
        "--latency-ms",
        "0",
        "--only",
        "async",
        "--trace",
        "/nonexistent/t.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: cannot write the trace") && err.lines().count() == 1,
        "{err}"
    );
}
