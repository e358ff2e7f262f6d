//! `--trace`: the run read back from the trace file, and the lesson asserted from its data.
//! Part one: every busy thread gets turns on a core all through the run, and no more of
//! them at once than there are cores (the OS preempts them). Part two: the spinner that
//! never awaits holds the thread in one turn, and no tick runs inside it; the one that
//! yields is cut into turns, with ticks run in between. And `--trace` changes no figure.

mod common;

use std::collections::HashMap;
use std::process::Command;

use common::{Slice, TempDir, Trace, number, read_trace, summary};

const BIN: &str = env!("CARGO_BIN_EXE_multitasking");
const ARGS: [&str; 10] = [
    "--threads",
    "3",
    "--duration-ms",
    "400",
    "--tick-ms",
    "50",
    "--spin-ms",
    "200",
    "--round-trips",
    "100",
];

fn traced(args: &[&str]) -> (Trace, HashMap<String, String>) {
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let out = Command::new(BIN)
        .args(args)
        .arg("--trace")
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("trace written to "), "{stdout}");
    (read_trace(&path), summary(&stdout))
}

/// Microseconds during which more than `most` of `slices` were in progress at once.
fn time_above(slices: &[&Slice], most: usize) -> f64 {
    let mut edges: Vec<(f64, i32)> = slices
        .iter()
        .flat_map(|s| [(s.start, 1), (s.end, -1)])
        .collect();
    edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut now, mut above, mut since) = (0i32, 0.0, 0.0);
    for (at, step) in edges {
        if now as usize > most {
            above += at - since;
        }
        now += step;
        since = at;
    }
    above
}

#[test]
fn every_busy_thread_gets_turns_and_no_more_run_at_once_than_there_are_cores() {
    let (trace, s) = traced(&ARGS);
    let cores = number(&s, "cores") as usize;
    let turns = trace.slices_of("part 1");
    let span = Trace::span(&turns);
    for i in 0..3 {
        let mine: Vec<_> = turns
            .iter()
            .filter(|t| t.track == format!("busy-{i} (thread)"))
            .collect();
        let start = turns.iter().map(|t| t.start).fold(f64::INFINITY, f64::min);
        let half = start + span / 2.0;
        assert!(
            mine.iter().any(|t| t.start < half),
            "busy-{i} had no turn in the first half"
        );
        assert!(
            mine.iter().any(|t| t.end > half),
            "busy-{i} had no turn in the second half"
        );
    }
    // The turns are seen from inside, to within a unit of work: allow a sliver of overlap.
    let above = time_above(&turns, cores);
    assert!(
        above < 0.1 * span,
        "{above} us of {span} with more turns than {cores} cores"
    );
}

#[test]
fn the_spinner_that_never_awaits_holds_the_thread_and_the_ticks_wait() {
    let (trace, s) = traced(&ARGS);
    let hog = trace.slices_of("part 2: the spinner never awaits");
    let spins: Vec<_> = hog
        .iter()
        .filter(|s| s.kind == "holds the thread")
        .collect();
    assert_eq!(spins.len(), 1, "{spins:?}");
    let spin = spins[0];
    assert!(spin.end - spin.start >= 200_000.0, "{spin:?}");
    let runs: Vec<_> = trace
        .moments
        .iter()
        .filter(|m| m.group.contains("never awaits"))
        .collect();
    assert!(
        runs.iter()
            .all(|m| m.at <= spin.start + 1.0 || m.at >= spin.end - 1.0),
        "a tick ran inside the spin"
    );
    let waited = hog
        .iter()
        .filter(|s| s.kind == "waits for the thread")
        .map(|s| s.end - s.start)
        .fold(0.0, f64::max);
    assert!(waited >= 100_000.0, "the longest wait was {waited} us");
    assert!((waited / 1e3 - number(&s, "worst_late_spin_ms")).abs() < 1.0);
}

#[test]
fn the_spinner_that_yields_is_cut_into_turns_with_ticks_between() {
    let (trace, _) = traced(&ARGS);
    let polite = trace.slices_of("part 2: the spinner yields");
    let spins: Vec<_> = polite
        .iter()
        .filter(|s| s.kind == "holds the thread")
        .collect();
    assert!(spins.len() >= 3, "{spins:?}");
    let (from, to) = (spins[0].start, spins.last().unwrap().end);
    let inside = trace
        .moments
        .iter()
        .filter(|m| m.group.contains("yields") && m.at > from && m.at < to)
        .count();
    assert!(inside >= 2, "only {inside} ticks ran during the spin");
}

#[test]
fn the_trace_changes_no_figure() {
    let plain = Command::new(BIN).args(ARGS).output().unwrap();
    let without = summary(&String::from_utf8_lossy(&plain.stdout));
    let (_, with) = traced(&ARGS);
    for key in [
        "threads",
        "threads_all_progressed",
        "cores",
        "windows",
        "round_trips",
        "ideal_s",
    ] {
        assert_eq!(without[key], with[key], "{key}");
    }
    assert_eq!(without.len(), with.len());
}

#[test]
fn a_trace_that_cannot_be_written_is_one_error_line() {
    let mut args = ARGS.to_vec();
    args.extend(["--trace", "/nonexistent-dir/t.json"]);
    let out = Command::new(BIN).args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: cannot write the trace to /nonexistent-dir/t.json"),
        "{stderr}"
    );
}

/// The twin's trace: the same part two, and in part one the GIL's contrast: its busy
/// threads' turns (holding the GIL) are one at a time, whatever the cores.
#[test]
fn the_python_twins_trace_shows_the_gils_one_thread_at_a_time() {
    let Some(mut twin) = common::python_twin() else {
        return;
    };
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let out = twin.args(ARGS).arg("--trace").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let trace = read_trace(&path);
    let turns = trace.slices_of("part 1");
    let tracks: std::collections::HashSet<_> = turns.iter().map(|t| &t.track).collect();
    assert_eq!(tracks.len(), 3, "{tracks:?}");
    let span = Trace::span(&turns);
    let above = time_above(&turns, 1);
    assert!(
        above < 0.1 * span,
        "{above} us of {span} with two Python threads on a core at once"
    );
    let hog = trace.slices_of("part 2: the spinner never awaits");
    let spins = hog.iter().filter(|s| s.kind == "holds the thread").count();
    assert_eq!(spins, 1);
    let polite = trace.slices_of("part 2: the spinner yields");
    assert!(
        polite
            .iter()
            .filter(|s| s.kind == "holds the thread")
            .count()
            >= 3
    );
}
