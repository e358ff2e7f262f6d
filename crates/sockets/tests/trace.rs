//! `--trace FILE`, read back: the lesson asserted from the trace's own data. The blocking
//! server's clients think one after another while the non-blocking server's think all at
//! once, each server on the one track of its one thread; the counter of clients being
//! served never passes 1 for the blocking server and reaches every client for the other.
//! The twin's trace says the same, and `--trace` changes no figure of the run.

mod common;
mod local;

use std::process::{Command, Output};

use common::{Slice, TempDir, Trace, most_at_once, number, python_twin, read_trace, summary};
use local::BIN;

const ARGS: [&str; 6] = [
    "--clients",
    "4",
    "--delay-ms",
    "100",
    "--read-timeout-ms",
    "50",
];

fn ok(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn of_kind<'a>(trace: &'a Trace, group: &str, kind: &str) -> Vec<&'a Slice> {
    let slices = trace.slices_of(group);
    slices.into_iter().filter(|s| s.kind == kind).collect()
}

fn highest(trace: &Trace, group: &str) -> f64 {
    let levels = trace.levels_of(group, "clients being served");
    assert!(!levels.is_empty(), "no counter in {group}");
    levels.iter().map(|l| l.value).fold(0.0, f64::max)
}

/// What both the demo's trace and the twin's must show, for 4 clients of 100 ms.
fn assert_the_lesson(trace: &Trace) {
    for group in ["blocking server", "non-blocking server"] {
        let tracks: Vec<&str> = trace
            .tracks
            .iter()
            .filter(|(g, _)| g.starts_with(group))
            .map(|(_, t)| t.as_str())
            .collect();
        let clients = tracks.iter().filter(|t| t.starts_with("client #")).count();
        assert_eq!(clients, 4, "{group}: {tracks:?}");
        // Everything else in the group is ONE server thread.
        assert_eq!(tracks.len(), 5, "{group}: {tracks:?}");
        assert!(tracks.contains(&"the server's one thread"), "{tracks:?}");
        for kind in ["connect", "waits for the server", "thinks", "echo"] {
            assert_eq!(of_kind(trace, group, kind).len(), 4, "{group} {kind}");
        }
    }
    // Blocking: the think times never overlap, so they add up: about 4 x 100 ms.
    let thinks = of_kind(trace, "blocking server", "thinks");
    assert_eq!(most_at_once(&thinks), 1, "{thinks:#?}");
    assert!(Trace::span(&thinks) >= 4.0 * 95_000.0, "{thinks:#?}");
    let served = of_kind(trace, "blocking server", "serves one client");
    assert_eq!((served.len(), most_at_once(&served)), (4, 1), "{served:#?}");
    assert_eq!(highest(trace, "blocking server"), 1.0);
    // Non-blocking: all four think at once, on the same one thread: about one think time.
    let thinks = of_kind(trace, "non-blocking server", "thinks");
    assert_eq!(most_at_once(&thinks), 4, "{thinks:#?}");
    assert!(Trace::span(&thinks) < 2.0 * 100_000.0, "{thinks:#?}");
    assert_eq!(highest(trace, "non-blocking server"), 4.0);
    let wakeups: Vec<_> = trace
        .moments
        .iter()
        .filter(|m| m.group.starts_with("non-blocking server"))
        .collect();
    assert!(!wakeups.is_empty());
    assert!(
        wakeups.iter().all(|m| m.track == "the server's one thread"),
        "{wakeups:?}"
    );
}

#[test]
fn the_trace_shows_one_client_at_a_time_against_all_at_once() {
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let out = Command::new(BIN)
        .args(ARGS)
        .arg("--trace")
        .arg(&path)
        .output()
        .unwrap();
    let stdout = ok(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    let written = format!("trace written to {} (open it", path.display());
    assert!(lines[lines.len() - 2].starts_with(&written), "{stdout}");
    let trace = read_trace(&path);
    assert_the_lesson(&trace);
    let reads = trace.slices_of("part one");
    assert_eq!(reads.len(), 3, "{reads:?}");
    assert!(reads[1].end - reads[1].start >= 50_000.0, "{reads:?}");
}

#[test]
fn the_trace_changes_no_figure() {
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let plain = summary(&ok(&Command::new(BIN).args(ARGS).output().unwrap()));
    let out = Command::new(BIN)
        .args(ARGS)
        .arg("--trace")
        .arg(&path)
        .output()
        .unwrap();
    let traced = summary(&ok(&out));
    for key in ["clients", "delay_ms", "echoed", "poller", "ideal_s"] {
        assert_eq!(plain[key], traced[key], "{key}");
    }
    // Timed figures agree within noise: each server still takes its think times.
    for s in [&plain, &traced] {
        assert!(number(s, "blocking_ratio") < 1.5, "{s:?}");
        assert!(number(s, "nonblocking_ratio") < 3.0, "{s:?}");
        assert!(number(s, "speedup") > 1.5, "{s:?}");
    }
}

#[test]
fn a_large_run_draws_a_sample_of_its_clients_and_says_so() {
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let args = [
        "--clients",
        "150",
        "--delay-ms",
        "50",
        "--server",
        "nonblocking",
    ];
    let out = Command::new(BIN)
        .args(args)
        .arg("--trace")
        .arg(&path)
        .output()
        .unwrap();
    let stdout = ok(&out);
    assert!(
        stdout.contains("trace: 150 clients per server: the first 100"),
        "{stdout}"
    );
    let trace = read_trace(&path);
    let clients = trace
        .tracks
        .iter()
        .filter(|(_, t)| t.starts_with("client #"));
    assert_eq!(clients.count(), 100);
    assert!(
        trace.notes.iter().any(|n| n.contains("first 100")),
        "{:?}",
        trace.notes
    );
    assert_eq!(highest(&trace, "non-blocking server"), 150.0);
}

#[test]
fn a_trace_that_cannot_be_written_is_one_error_line() {
    let out = Command::new(BIN)
        .args([
            "--clients",
            "2",
            "--delay-ms",
            "20",
            "--read-timeout-ms",
            "20",
        ])
        .args(["--trace", "/nonexistent-folder/t.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines.len() == 1 && lines[0].starts_with("error: cannot write the trace"),
        "{stderr}"
    );
}

#[test]
fn the_python_twins_trace_shows_the_same() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let out = twin.args(ARGS).arg("--trace").arg(&path).output().unwrap();
    ok(&out);
    assert_the_lesson(&read_trace(&path));
}
