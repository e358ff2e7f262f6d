//! Runs the built binary and its minimal program as a user does, and checks their claims.

mod common;

use std::collections::HashMap;
use std::process::Command;

use common::{example, first_line_then_close, number, summary};

const BIN: &str = env!("CARGO_BIN_EXE_async-iterators");
const SMALL: [&str; 8] = [
    "--items", "60", "--buffer", "5", "--jobs", "12", "--job-ms", "20",
];

fn run_small(extra: &[&str]) -> (HashMap<String, String>, String) {
    let out = Command::new(BIN).args(SMALL).args(extra).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (summary(&stdout), stdout)
}

#[test]
fn a_stream_runs_nothing_until_polled_and_a_spawned_producer_does() {
    let (s, stdout) = run_small(&[]);
    assert_eq!(s["hand_before"], "0", "{stdout}");
    assert_eq!(s["unfold_before"], "0", "{stdout}");
    assert_eq!(s["hand_after"], "1", "{stdout}");
    // The spawned task filled the channel before anyone asked: exactly the buffer.
    assert_eq!(s["channel_before"], "5", "{stdout}");
}

#[test]
fn pulling_keeps_the_producer_at_most_a_buffer_ahead_and_unbounded_piles_up() {
    let (s, stdout) = run_small(&[]);
    assert_eq!(s["pulled_ahead"], "0", "{stdout}");
    assert!(number(&s, "bounded_ahead") <= 5.0, "{stdout}");
    // The unbounded producer never waits: nearly all 60 wait in the channel.
    assert!(number(&s, "unbounded_ahead") >= 50.0, "{stdout}");
    // The slow consumer (1 ms an item) sets the bounded producer's pace: 55 items at
    // least 1 ms apart; the unbounded one is done in a few ms.
    assert!(number(&s, "bounded_producer_ms") >= 50.0, "{stdout}");
    assert!(number(&s, "unbounded_producer_ms") < 40.0, "{stdout}");
}

#[test]
fn buffer_unordered_keeps_n_in_flight_in_one_task() {
    let (s, stdout) = run_small(&[]);
    assert_eq!(s["in_flight"], "4", "{stdout}");
    // 12 x 20 ms one at a time is at least 240 ms; 4 at once is 3 rounds of 20 ms.
    assert!(number(&s, "seq_ms") >= 240.0, "{stdout}");
    assert!(number(&s, "unordered_ms") < 180.0, "{stdout}");
    assert!(number(&s, "speedup") >= 1.8, "{stdout}");
    if cfg!(target_os = "linux") {
        assert_eq!(s["threads"], "1", "{stdout}");
    }
}

#[test]
fn the_close_is_awaited_and_a_drop_can_only_spawn_it() {
    let (s, stdout) = run_small(&[]);
    assert_eq!(s["close_awaited"], "1", "{stdout}");
    assert_eq!(s["drop_done_at_exit"], "0", "{stdout}");
    assert_eq!(s["drop_lost"], "1", "{stdout}");
    assert!(stdout.contains("... and 20 ms later"), "{stdout}");
}

#[test]
fn the_minimal_program_steps_only_when_pulled() {
    let out = Command::new(example("async_iterators")).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "made the stream: 0 steps ran",
            "got 3: 1 steps ran",
            "got 2: 2 steps ran",
            "got 1: 3 steps ran"
        ],
        "{stdout}"
    );
}

#[test]
fn the_trace_shows_the_buffer_bounding_what_waits() {
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let (s, _) = run_small(&["--trace", path.to_str().unwrap()]);
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
    let (seq, unordered): (Vec<_>, Vec<_>) =
        jobs.iter().partition(|j| j.track == "sequential .then");
    assert_eq!(seq.len(), 12);
    assert_eq!(common::most_at_once(&seq), 1);
    assert_eq!(common::most_at_once(&unordered), 4);
}

#[test]
fn the_trace_changes_no_count() {
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let (plain, _) = run_small(&[]);
    let (traced, _) = run_small(&["--trace", path.to_str().unwrap()]);
    for key in [
        "hand_before",
        "unfold_before",
        "channel_before",
        "pulled_ahead",
        "in_flight",
        "close_awaited",
        "drop_lost",
    ] {
        assert_eq!(plain[key], traced[key], "{key}");
    }
}

#[test]
fn a_bad_argument_exits_2() {
    let out = Command::new(BIN).arg("--buffer=0").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--buffer"));
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    common::assert_one_error_line_on_a_full_disk(Command::new(BIN));
    common::assert_one_error_line_on_a_full_disk(Command::new(example("async_iterators")));
}

#[test]
fn a_closed_pipe_ends_it_quietly() {
    for cmd in [Command::new(BIN), Command::new(example("async_iterators"))] {
        let (line, status, stderr) = first_line_then_close(cmd);
        assert!(line.contains("stream") || line.contains("lazy"), "{line}");
        assert!(status.success(), "{status}: {stderr}");
        assert_eq!(stderr, "");
    }
    let (status, stderr) = common::reader_gone_from_the_start(Command::new(BIN));
    assert!(status.success() && stderr.is_empty(), "{status}: {stderr}");
}
