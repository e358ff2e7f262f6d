//! `--trace`: the lesson read back from the trace itself. In the race every task reads 0
//! before any task writes, and every write is `0 + 1 = 1`; with tokio's Mutex the awaits
//! never overlap and the counter climbs to the number of tasks; with an atomic the awaits
//! all overlap. The same for the Python twin.

mod common;

use std::process::Command;

use common::{TempDir, Trace, most_at_once, python_twin, read_trace, summary};

const BIN: &str = env!("CARGO_BIN_EXE_shared-state");
const ARGS: [&str; 6] = ["--tasks", "5", "--delay-ms", "50", "--cost-updates", "1000"];

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

fn of_kind<'t>(trace: &'t Trace, group: &str, kind: &str) -> Vec<&'t common::Slice> {
    trace
        .slices_of(group)
        .into_iter()
        .filter(|s| s.kind == kind)
        .collect()
}

/// The race, the lock and the atomic, as `group_race`, `group_lock` and `group_atomic`.
fn assert_the_lesson(trace: &Trace, race: &str, lock: &str, atomic: &str) {
    let reads = of_kind(trace, race, "read");
    let writes = of_kind(trace, race, "write");
    assert_eq!(reads.len(), 5, "{trace:?}");
    assert!(
        reads.iter().all(|r| r.name == "read 0"),
        "every task reads 0: {reads:?}"
    );
    assert!(
        writes.iter().all(|w| w.name == "write 0 + 1 = 1"),
        "{writes:?}"
    );
    let last_read = reads.iter().map(|r| r.end).fold(0.0, f64::max);
    let first_write = writes.iter().map(|w| w.start).fold(f64::MAX, f64::min);
    assert!(last_read <= first_write, "every read before any write");
    let lost = trace.levels_of(race, "counter");
    assert!(
        lost.iter().all(|l| l.value == 1.0),
        "the race's counter never passes 1: {lost:?}"
    );

    let held = of_kind(trace, lock, "await");
    assert_eq!(held.len(), 5);
    assert_eq!(
        most_at_once(&held),
        1,
        "awaits holding the lock never overlap: {held:?}"
    );
    let levels = trace.levels_of(lock, "counter");
    let values: Vec<f64> = levels.iter().map(|l| l.value).collect();
    assert_eq!(
        values,
        [1.0, 2.0, 3.0, 4.0, 5.0],
        "the locked counter climbs by one a task"
    );

    let overlapping = of_kind(trace, atomic, "await");
    assert_eq!(
        most_at_once(&overlapping),
        5,
        "the atomic's awaits overlap: {overlapping:?}"
    );
}

#[test]
fn the_trace_shows_the_lost_update_and_both_fixes() {
    let (_, trace) = traced(Command::new(BIN), &ARGS);
    assert_the_lesson(&trace, "read, await, write", "tokio Mutex", "atomic");
    let std_awaits = of_kind(&trace, "std Mutex", "await");
    assert_eq!(most_at_once(&std_awaits), 5, "{std_awaits:?}");
}

#[test]
fn many_tasks_keep_a_sample_of_tracks_and_say_so() {
    let args = [
        "--tasks",
        "150",
        "--delay-ms",
        "1",
        "--cost-updates",
        "1000",
    ];
    let (stdout, trace) = traced(Command::new(BIN), &args);
    let race = trace
        .tracks
        .iter()
        .filter(|(g, _)| g == "read, await, write")
        .count();
    assert_eq!(race, 100);
    assert!(
        trace
            .notes
            .iter()
            .any(|n| n.contains("sample") && n.contains("150"))
    );
    assert!(
        stdout.lines().any(|l| l.starts_with("trace: a sample")),
        "{stdout}"
    );
}

#[test]
fn the_trace_changes_no_figure() {
    let plain = Command::new(BIN).args(ARGS).output().unwrap();
    let plain = summary(&String::from_utf8(plain.stdout).unwrap());
    let (stdout, _) = traced(Command::new(BIN), &ARGS);
    let with = summary(&stdout);
    for key in [
        "counter_async_lock",
        "counter_one_step",
        "counter_sync_lock",
        "threads",
    ] {
        assert_eq!(plain[key], with[key], "{key}");
    }
    assert_eq!(with["counter_lost"], "1");
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
    assert_the_lesson(&trace, "read, await, write", "asyncio.Lock", "+= 1");
}
