//! `--trace`: the lesson read back from the trace itself. The bounded queue's depth never
//! passes its capacity, and its producer finishes late; the unbounded queue holds every
//! item at once, and its producer is done before the first item is. The same for the twin.

mod common;

use std::process::Command;

use common::{TempDir, Trace, most_at_once, python_twin, read_trace, summary};

const BIN: &str = env!("CARGO_BIN_EXE_queue-backpressure");
const ARGS: [&str; 10] = [
    "--items",
    "40",
    "--consumers",
    "3",
    "--work-ms",
    "20",
    "--capacity",
    "4",
    "--throughput-items",
    "1000",
];

fn traced(mut cmd: Command, args: &[&str]) -> (String, Trace) {
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let out = cmd.args(args).arg("--trace").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("trace written to "), "{stdout}");
    (stdout, read_trace(&path))
}

fn most_waiting(trace: &Trace, group: &str) -> f64 {
    let levels = trace.levels_of(group, "items waiting");
    assert!(!levels.is_empty(), "no counter in {group}");
    levels.iter().map(|l| l.value).fold(0.0, f64::max)
}

/// When the producer of `group` finished, and when the first item's work ended.
fn producer_done_and_first_item(trace: &Trace, group: &str) -> (f64, f64) {
    let done = trace
        .moments
        .iter()
        .find(|m| m.group == group && m.name == "producer done");
    let work: Vec<_> = trace
        .slices_of(group)
        .into_iter()
        .filter(|s| s.kind == "work")
        .collect();
    let first = work.iter().map(|s| s.end).fold(f64::MAX, f64::min);
    (done.expect("a producer done moment").at, first)
}

fn assert_the_lesson(trace: &Trace) {
    assert_eq!(
        most_waiting(trace, "bounded (4)"),
        4.0,
        "the bounded depth reaches its capacity, never more"
    );
    assert_eq!(
        most_waiting(trace, "unbounded"),
        40.0,
        "the unbounded queue holds them all"
    );
    for group in ["bounded (4)", "unbounded"] {
        let work: Vec<_> = trace
            .slices_of(group)
            .into_iter()
            .filter(|s| s.kind == "work")
            .collect();
        let mut names: Vec<&str> = work.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            (work.len(), names.len()),
            (40, 40),
            "each item worked on once in {group}"
        );
        for c in 1..=3 {
            let lane: Vec<_> = work
                .iter()
                .copied()
                .filter(|s| s.track == format!("consumer #{c}"))
                .collect();
            assert_eq!(
                most_at_once(&lane),
                1,
                "a consumer works on one item at a time"
            );
        }
    }
    let (done, first) = producer_done_and_first_item(trace, "bounded (4)");
    assert!(
        done > first,
        "held back, the bounded producer ends after items are done"
    );
    let (done, first) = producer_done_and_first_item(trace, "unbounded");
    assert!(
        done < first,
        "the unbounded producer is done before the first item is"
    );
}

#[test]
fn the_bounded_depth_never_passes_its_capacity_in_the_trace() {
    let (_, trace) = traced(Command::new(BIN), &ARGS);
    assert_the_lesson(&trace);
}

#[test]
fn a_run_too_large_to_draw_keeps_a_sample_and_says_so() {
    let args = [
        "--items",
        "30000",
        "--consumers",
        "2",
        "--work-ms",
        "0",
        "--throughput-items",
        "1000",
    ];
    let (stdout, trace) = traced(Command::new(BIN), &args);
    let work = trace
        .slices_of("unbounded")
        .into_iter()
        .filter(|s| s.kind == "work")
        .count();
    assert_eq!(work, 2000);
    assert!(
        trace
            .notes
            .iter()
            .any(|n| n.contains("sample") && n.contains("30000"))
    );
    assert!(
        stdout.lines().any(|l| l.starts_with("trace: a sample")),
        "{stdout}"
    );
    assert!(most_waiting(&trace, "bounded (8)") <= 8.0);
}

#[test]
fn the_trace_changes_no_figure() {
    let plain = Command::new(BIN).args(ARGS).output().unwrap();
    let plain = summary(&String::from_utf8(plain.stdout).unwrap());
    let (stdout, _) = traced(Command::new(BIN), &ARGS);
    let with = summary(&stdout);
    // The trace's own memory is not counted as the queue's: the heap figures are equal.
    for key in [
        "waiting_bounded",
        "waiting_unbounded",
        "heap_bytes_bounded",
        "heap_bytes_unbounded",
        "consumed_once",
    ] {
        assert_eq!(plain[key], with[key], "{key}");
    }
}

#[test]
fn a_trace_that_cannot_be_written_is_one_error_line() {
    let out = Command::new(BIN)
        .args(ARGS)
        .args(["--trace", "/nonexistent/dir/t.json"])
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
    let (_, trace) = traced(twin, &ARGS);
    assert_the_lesson(&trace);
}
