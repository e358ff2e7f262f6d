//! `--trace`: the run read back from its Chrome trace, and the lesson asserted from the
//! trace itself. The emulated GIL's holds never overlap, while the no-lock threads' work
//! does (as wall-time stretches, which holds on one core too: both threads are at work,
//! taking turns on it). In Python, CPython's own GIL: the threads' turns, seen by their
//! own clock readings, never overlap either.

mod common;

use std::process::Command;

use common::{TempDir, most_at_once, python_twin, read_trace, summary};

const BIN: &str = env!("CARGO_BIN_EXE_gil");

/// Runs `program` with `args`, checking that it succeeded; returns its stdout.
fn stdout_of(mut cmd: Command) -> String {
    let out = cmd.output().expect("run the program");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

const SMALL: [&str; 10] = [
    "--threads",
    "2",
    "--work",
    "40",
    "--switch-us",
    "1000",
    "--io-ops",
    "4",
    "--io-ms",
    "30",
];

#[test]
fn the_gils_holds_never_overlap_while_the_no_lock_threads_work_together() {
    let dir = TempDir::new();
    let path = dir.join("gil.json");
    let mut cmd = Command::new(BIN);
    cmd.args(SMALL).arg("--trace").arg(&path);
    let out = stdout_of(cmd);
    assert!(out.contains("trace written to"), "{out}");
    assert!(out.lines().last().unwrap().starts_with("summary:"), "{out}");
    let trace = read_trace(&path);
    let holds = trace.slices_of("CPU: 2 threads, emulated GIL");
    assert!(holds.iter().all(|s| s.kind == "holds the GIL"), "{holds:?}");
    // Both threads held it, many times, and never two at once.
    let holders: std::collections::HashSet<_> = holds.iter().map(|s| &s.track).collect();
    assert_eq!(holders.len(), 2, "{holds:?}");
    assert!(holds.len() >= 4, "{holds:?}");
    assert_eq!(
        most_at_once(&holds),
        1,
        "two threads held the GIL at once: {holds:?}"
    );
    // With no lock, and in native code, the two threads' work overlaps in time.
    for group in [
        "CPU: 2 threads, no lock",
        "CPU: 2 threads, native code, GIL off",
        "CPU: 2 processes, a GIL each",
    ] {
        let work = trace.slices_of(group);
        assert_eq!(most_at_once(&work), 2, "{group}: {work:?}");
    }
    // I/O: waits with the GIL released overlap; holding it across the wait lines them up.
    let released = trace.slices_of("I/O: 2 threads, GIL released in I/O");
    assert_eq!(released.len(), 4, "{released:?}");
    assert_eq!(most_at_once(&released), 2, "{released:?}");
    let held = trace.slices_of("I/O: 2 threads, GIL held in I/O");
    assert_eq!(held.len(), 4, "{held:?}");
    assert_eq!(most_at_once(&held), 1, "{held:?}");
}

#[test]
fn the_trace_changes_no_figure() {
    let dir = TempDir::new();
    let with = summary(&stdout_of({
        let mut cmd = Command::new(BIN);
        cmd.args(SMALL).arg("--trace").arg(dir.join("t.json"));
        cmd
    }));
    let without = summary(&stdout_of({
        let mut cmd = Command::new(BIN);
        cmd.args(SMALL);
        cmd
    }));
    for key in [
        "threads",
        "results_equal",
        "gil_most_holders",
        "gil_overlaps",
        "native_most_running",
        "io_most_waiting",
    ] {
        assert_eq!(with[key], without[key], "{key}: {with:?} vs {without:?}");
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
fn python_twin_trace_shows_one_gil_holder_at_a_time() {
    let Some(mut cmd) = python_twin() else {
        eprintln!("python3 not found: skipping the twin's trace");
        return;
    };
    let dir = TempDir::new();
    let path = dir.join("gil-python.json");
    cmd.args([
        "--threads",
        "2",
        "--work",
        "0.2",
        "--io-ops",
        "4",
        "--io-ms",
        "30",
    ])
    .args(["--native-mb", "32", "--trace"])
    .arg(&path);
    let out = stdout_of(cmd);
    let s = summary(&out);
    let trace = read_trace(&path);
    let turns = trace.slices_of("CPU: 2 threads, CPython's GIL");
    let holders: std::collections::HashSet<_> = turns.iter().map(|s| &s.track).collect();
    assert_eq!(holders.len(), 2, "{turns:?}");
    if s["gil_enabled"] == "true" {
        // The threads read the clock only while they run bytecode, so only while they
        // hold the GIL: no two of their turns overlap.
        assert_eq!(most_at_once(&turns), 1, "{turns:?}");
    }
    // A C extension's loop runs with the GIL released: the two threads' calls overlap.
    let native = trace.slices_of("CPU: 2 threads, native code, GIL off");
    assert_eq!(most_at_once(&native), 2, "{native:?}");
    let released = trace.slices_of("I/O: 2 threads, GIL released in I/O");
    assert_eq!(most_at_once(&released), 2, "{released:?}");
    let held = trace.slices_of("I/O: 2 threads, a lock held in I/O");
    assert_eq!(most_at_once(&held), 1, "{held:?}");
}
