//! `--trace`: the run read back from the trace file, and the lesson asserted from its data:
//! every named thread has a track and a life inside main's, all of them alive at one
//! moment; the OS's thread count starts at 1, rises by one per thread to 1 + N, and falls
//! back to 1. The Python twin's trace the same. And `--trace` changes no figure.

mod common;

use std::collections::HashMap;
use std::process::Command;

use common::{TempDir, Trace, most_at_once, read_trace, summary};

const BIN: &str = env!("CARGO_BIN_EXE_process-thread-identity");

fn traced(mut cmd: Command, threads: u32) -> (Trace, HashMap<String, String>, String) {
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let out = cmd
        .args(["--threads", &threads.to_string(), "--trace"])
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.lines().last().unwrap().starts_with("summary:"),
        "{stdout}"
    );
    (read_trace(&path), summary(&stdout), stdout)
}

/// Part one's tracks: main's and the workers'.
fn part_one_tracks(trace: &Trace) -> Vec<&str> {
    let ours = trace
        .tracks
        .iter()
        .filter(|(g, _)| g.starts_with("one process"));
    ours.map(|(_, t)| t.as_str()).collect()
}

/// The lesson, from the trace alone, for `n` workers (all drawn: n <= 100).
fn assert_lives_and_count(trace: &Trace, n: usize) {
    let names: Vec<&str> = part_one_tracks(trace);
    assert_eq!(names.len(), n + 1, "{names:?}");
    assert!(names.contains(&"main thread"));
    let lives: Vec<_> = trace
        .slices
        .iter()
        .filter(|s| s.kind == "a thread's life")
        .collect();
    assert_eq!(lives.len(), n + 1, "{lives:?}");
    let main = lives.iter().find(|s| s.track == "main thread").unwrap();
    let workers: Vec<_> = lives
        .iter()
        .copied()
        .filter(|s| s.track.starts_with("worker-"))
        .collect();
    for w in &workers {
        assert_eq!(w.name, format!("{}: alive", w.track));
        assert!(
            main.start <= w.start && w.end <= main.end,
            "{w:?} outside {main:?}"
        );
    }
    assert_eq!(
        most_at_once(&workers),
        n,
        "the workers were not all alive at once"
    );
    let count: Vec<f64> = trace
        .levels_of("one process", "OS thread count")
        .iter()
        .map(|l| l.value)
        .collect();
    assert_eq!(count.first(), Some(&1.0), "{count:?}");
    assert_eq!(count.last(), Some(&1.0), "{count:?}");
    let top = count.iter().copied().fold(0.0, f64::max);
    assert_eq!(top, (n + 1) as f64, "{count:?}");
    // It rises one thread per start: the first readings go 1, 2, 3, ...
    let rising: Vec<f64> = count.iter().take(n + 1).copied().collect();
    assert_eq!(rising, (1..=n + 1).map(|c| c as f64).collect::<Vec<_>>());
    let moments: Vec<&str> = trace.moments.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        moments,
        [
            "main counts 1 thread(s): before".to_string(),
            format!("main counts {} thread(s): while they live", n + 1),
            "main counts 1 thread(s): after join".to_string()
        ]
    );
}

#[cfg(target_os = "linux")]
#[test]
fn the_trace_shows_each_threads_life_and_the_count_rising_and_falling() {
    let (trace, s, _) = traced(Command::new(BIN), 4);
    assert_eq!(s["threads_during"], "5");
    assert_lives_and_count(&trace, 4);
}

#[cfg(target_os = "linux")]
#[test]
fn a_large_run_draws_100_threads_and_says_so() {
    let (trace, _, stdout) = traced(Command::new(BIN), 150);
    assert_eq!(part_one_tracks(&trace).len(), 101);
    assert!(
        trace.notes.iter().any(|n| n.contains("first 100 of 150")),
        "{:?}",
        trace.notes
    );
    assert!(
        stdout.contains("the first 100 workers are drawn"),
        "{stdout}"
    );
    let count = trace.levels_of("one process", "OS thread count");
    assert_eq!(count.iter().map(|l| l.value).fold(0.0, f64::max), 151.0);
}

#[test]
fn the_trace_changes_no_figure() {
    let plain = Command::new(BIN).args(["--threads", "3"]).output().unwrap();
    let mut without = summary(&String::from_utf8_lossy(&plain.stdout));
    let (_, mut with, _) = traced(Command::new(BIN), 3);
    // The pid, and the counts of part two that follow the scheduler's timing, differ from
    // run to run; the rest must not.
    for key in ["pid", "redrew", "saved", "least_waiting_pct"] {
        assert!(
            without.remove(key).is_some() && with.remove(key).is_some(),
            "{key}"
        );
    }
    assert_eq!(without, with);
}

#[test]
fn a_trace_that_cannot_be_written_is_one_error_line() {
    for mut cmd in [Command::new(BIN)].into_iter().chain(common::python_twin()) {
        let out = cmd
            .args(["--trace", "/nonexistent-dir/t.json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("error: cannot write the trace to /nonexistent-dir/t.json"),
            "{stderr}"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn the_python_twins_trace_shows_the_same() {
    let Some(twin) = common::python_twin() else {
        return;
    };
    let (trace, s, _) = traced(twin, 4);
    assert_eq!(s["threads_during"], "5");
    assert_lives_and_count(&trace, 4);
}

/// Part two in the trace: the word processor's four named threads, each with its waits as
/// slices that cover most of its life, all inside the one process's group.
#[test]
fn the_trace_shows_the_word_processors_four_threads_waiting() {
    for program in [Some(Command::new(BIN)), common::python_twin()] {
        let Some(mut program) = program else {
            continue;
        };
        program.args(["--key-ms", "3", "--autosave-ms", "20"]);
        let (trace, s, _) = traced(program, 1);
        assert_eq!(s["editor_threads"], "5", "{s:?}");
        let group = "word processor";
        let tracks: Vec<&str> = trace
            .tracks
            .iter()
            .filter(|(g, _)| g.starts_with(group))
            .map(|(_, t)| t.as_str())
            .collect();
        assert_eq!(
            tracks,
            [
                "keystrokes thread",
                "display thread",
                "autosave thread",
                "spelling thread"
            ]
        );
        let waits = trace.slices_of(group);
        for track in &tracks {
            let mine: Vec<_> = waits.iter().filter(|w| w.track == *track).collect();
            assert!(!mine.is_empty(), "no waits on {track}");
            assert!(
                mine.iter()
                    .all(|w| w.kind == "waiting" && w.name.starts_with("waiting for "))
            );
        }
        let keys = waits
            .iter()
            .filter(|w| w.name == "waiting for a key")
            .count();
        assert_eq!(keys, 50, "one wait per key");
    }
}
