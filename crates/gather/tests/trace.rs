//! `--trace`: the lesson read back from the trace itself. Gathered, the three sleeps
//! overlap and the run spans about one delay; `--blocking`, they never overlap and add up.
//! A run too large to draw keeps a sample of its tracks and says so. The same for the twin.

mod common;

use std::process::Command;

use common::{TempDir, Trace, most_at_once, number, python_twin, read_trace, summary};

const BIN: &str = env!("CARGO_BIN_EXE_gather");

/// Runs `cmd` with `args` and `--trace` into a temp dir; returns its stdout and the trace.
fn traced(mut cmd: Command, args: &[&str]) -> (String, Trace) {
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let out = cmd.args(args).arg("--trace").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{cmd:?}: {stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("trace written to "), "{stdout}");
    (stdout, read_trace(&path))
}

/// Gathered: one track per coroutine, its sleep a slice named as the lesson reads, its One
/// and Two instants; the three sleeps all in progress at once; one delay from first to last.
fn assert_gathered(trace: &Trace) {
    let sleeps: Vec<_> = trace
        .slices_of("gather")
        .into_iter()
        .filter(|s| s.kind == "sleep")
        .collect();
    assert_eq!(sleeps.len(), 3, "{trace:?}");
    for id in 1..=3 {
        let name = format!("count #{id}");
        assert!(
            sleeps
                .iter()
                .any(|s| s.track == name && s.name == format!("{name}: sleep 200 ms")),
            "{sleeps:?}"
        );
        let words: Vec<&str> = trace
            .moments
            .iter()
            .filter(|m| m.track == name)
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(words, ["One", "Two"], "{name}");
    }
    assert_eq!(
        most_at_once(&sleeps),
        3,
        "gathered sleeps must overlap: {sleeps:?}"
    );
    let span = Trace::span(&sleeps) / 1e6;
    assert!(
        (0.19..0.4).contains(&span),
        "three gathered 200 ms sleeps span {span} s"
    );
    let last_one = trace
        .moments
        .iter()
        .filter(|m| m.name == "One")
        .map(|m| m.at)
        .fold(0.0, f64::max);
    let first_two = trace
        .moments
        .iter()
        .filter(|m| m.name == "Two")
        .map(|m| m.at)
        .fold(f64::MAX, f64::min);
    assert!(last_one < first_two, "every One before any Two");
}

/// Blocked: the same three slices, never two at once, end to end about three delays.
fn assert_blocked(trace: &Trace) {
    let sleeps = trace.slices_of("--blocking");
    assert_eq!(sleeps.len(), 3, "{trace:?}");
    assert!(
        sleeps
            .iter()
            .all(|s| s.kind == "blocking sleep" && s.name.ends_with(": sleep 100 ms"))
    );
    assert_eq!(
        most_at_once(&sleeps),
        1,
        "blocking sleeps cannot overlap: {sleeps:?}"
    );
    let span = Trace::span(&sleeps) / 1e6;
    assert!(span >= 0.29, "three blocking 100 ms sleeps span {span} s");
}

#[test]
fn gathered_sleeps_overlap_in_the_trace_and_span_one_delay() {
    let (_, trace) = traced(Command::new(BIN), &["--count", "3", "--delay-ms", "200"]);
    assert_gathered(&trace);
    // The thread's own lane: it sat idle while all three slept.
    let idle = trace
        .slices
        .iter()
        .find(|s| s.track == "the one thread" && s.kind == "idle");
    assert!(
        idle.is_some_and(|s| s.end - s.start > 150_000.0),
        "{trace:?}"
    );
}

#[test]
fn blocking_sleeps_never_overlap_in_the_trace() {
    let (_, trace) = traced(
        Command::new(BIN),
        &["--blocking", "--count", "3", "--delay-ms", "100"],
    );
    assert_blocked(&trace);
}

#[test]
fn a_run_too_large_to_draw_keeps_a_sample_and_says_so() {
    let (stdout, trace) = traced(Command::new(BIN), &["--count", "5000", "--delay-ms", "50"]);
    let lanes = trace
        .tracks
        .iter()
        .filter(|(_, t)| t.starts_with("count #"))
        .count();
    assert_eq!(lanes, 100, "the first 100 coroutines get tracks");
    assert!(
        trace
            .notes
            .iter()
            .any(|n| n.contains("sample") && n.contains("5000")),
        "{:?}",
        trace.notes
    );
    assert!(
        stdout.lines().any(|l| l.starts_with("trace: a sample")),
        "{stdout}"
    );
    let levels = trace.levels_of("gather", "coroutines asleep");
    let most = levels.iter().map(|l| l.value).fold(0.0, f64::max);
    assert_eq!(most, 5000.0, "the counter covers every coroutine");
    assert_eq!(levels.last().map(|l| l.value), Some(0.0));
}

#[test]
fn the_trace_changes_no_figure() {
    let args = ["--count", "3", "--delay-ms", "200"];
    let plain = Command::new(BIN).args(args).output().unwrap();
    let plain = summary(&String::from_utf8(plain.stdout).unwrap());
    let (stdout, _) = traced(Command::new(BIN), &args);
    let with = summary(&stdout);
    for key in [
        "count",
        "mode",
        "order_ok",
        "one_thread",
        "future_bytes",
        "ideal_s",
    ] {
        assert_eq!(plain[key], with[key], "{key}");
    }
    let (a, b) = (number(&plain, "ratio"), number(&with, "ratio"));
    assert!(a < 1.5 && b < 1.5, "{a} and {b}");
}

#[test]
fn a_trace_that_cannot_be_written_is_one_error_line() {
    let out = Command::new(BIN)
        .args([
            "--count",
            "1",
            "--delay-ms",
            "1",
            "--trace",
            "/nonexistent/dir/t.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.lines().count() == 1 && stderr.starts_with("error: cannot write the trace"),
        "{stderr}"
    );
}

#[test]
fn the_python_twins_trace_shows_the_same_lesson() {
    let Some(twin) = python_twin() else { return };
    let (_, trace) = traced(twin, &["--count", "3", "--delay-ms", "200"]);
    assert_gathered(&trace);
    let Some(twin) = python_twin() else { return };
    let (_, trace) = traced(twin, &["--blocking", "--count", "3", "--delay-ms", "100"]);
    assert_blocked(&trace);
}
