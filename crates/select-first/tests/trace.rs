//! The `--trace` file asserts the lesson itself: each nap is a slice from its start to its
//! end, so select!'s and the dropped JoinSet's losers must end when the winner ends, while
//! the Python twin's asyncio losers, looked away from, sleep on to their own ends.

mod common;

use std::process::Command;

use common::{Slice, TempDir, number, python_twin, read_trace, summary};

const BIN: &str = env!("CARGO_BIN_EXE_select-first");
const UNIT_MS: f64 = 100.0;

/// The winner (slept to the end) and the losers of one part, from its group's slices.
fn winner_and_losers<'a>(slices: &[&'a Slice]) -> (&'a Slice, Vec<&'a Slice>) {
    let (won, lost): (Vec<&Slice>, Vec<&Slice>) = slices
        .iter()
        .filter(|s| s.track.starts_with("nap "))
        .partition(|s| s.track == "nap 100 ms");
    assert_eq!((won.len(), lost.len()), (1, 2), "{slices:?}");
    (won[0], lost)
}

/// Where a part's losers are dropped: each ends within a few ms of the winner's end,
/// long before its own sleep would (200 and 300 ms).
fn losers_end_with_the_winner(trace: &common::Trace, group: &str) {
    let (winner, losers) = winner_and_losers(&trace.slices_of(group));
    assert_eq!(winner.kind, "slept to the end");
    assert!(winner.end - winner.start >= UNIT_MS * 1e3, "{winner:?}");
    for loser in losers {
        assert_eq!(loser.kind, "dropped mid-sleep", "{loser:?}");
        let after_winner_ms = (loser.end - winner.end) / 1e3;
        // The same poll that saw the winner drops them: well under a third of a unit.
        assert!(
            (-1.0..30.0).contains(&after_winner_ms),
            "{group}: {loser:?} ended {after_winner_ms} ms after the winner"
        );
    }
}

fn traced(
    args: &[&str],
    dir: &TempDir,
) -> (common::Trace, std::collections::HashMap<String, String>) {
    let path = dir.join("trace.json");
    let out = Command::new(BIN)
        .args(args)
        .arg("--trace")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let last_two: Vec<&str> = stdout.lines().rev().take(2).collect();
    assert!(last_two[1].starts_with("trace written to "), "{stdout}");
    (read_trace(&path), summary(&stdout))
}

#[test]
fn the_trace_shows_the_losers_ending_when_the_winner_ends() {
    let dir = TempDir::new();
    let (trace, _) = traced(&["--delay-ms", "100", "--messages", "30"], &dir);
    losers_end_with_the_winner(&trace, "1 first of three");
    losers_end_with_the_winner(&trace, "3 stop waiting");
    // try_join!: the error after one unit drops the 200 and 300 ms naps with it.
    let others = trace.slices_of("4 first error");
    let naps: Vec<_> = others
        .iter()
        .filter(|s| s.track.starts_with("nap "))
        .collect();
    assert_eq!(naps.len(), 2);
    for nap in naps {
        assert_eq!(nap.kind, "dropped mid-sleep", "{nap:?}");
        assert!((nap.end - nap.start) / 1e3 < 1.3 * UNIT_MS, "{nap:?}");
    }
    // JoinSet: every nap sleeps to its end, and they end in the order of their lengths.
    let mut order: Vec<_> = trace.slices_of("2 completion order").into_iter().collect();
    order.sort_by(|a, b| a.end.total_cmp(&b.end));
    let tracks: Vec<&str> = order.iter().map(|s| s.track.as_str()).collect();
    assert_eq!(tracks, ["nap 100 ms", "nap 200 ms", "nap 300 ms"]);
    // The counter of naps running drops to 0 as select! returns.
    let running = trace.levels_of("1 first of three", "naps running");
    assert_eq!(running.iter().map(|l| l.value).fold(0.0, f64::max), 3.0);
    assert_eq!(running.last().unwrap().value, 0.0);
}

#[test]
fn the_trace_changes_no_figure() {
    let args = ["--delay-ms", "50", "--messages", "30"];
    let plain =
        summary(&String::from_utf8(Command::new(BIN).args(args).output().unwrap().stdout).unwrap());
    let dir = TempDir::new();
    let (_, with) = traced(&args, &dir);
    for key in plain.keys().filter(|k| !k.ends_with("_s")) {
        assert_eq!(plain[key], with[key], "{key}");
    }
    assert!((number(&plain, "first_elapsed_s") - number(&with, "first_elapsed_s")).abs() < 0.05);
}

#[test]
fn the_python_twins_trace_shows_its_losers_running_on() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let out = twin
        .args(["--delay-ms", "100", "--trace"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let trace = read_trace(&path);
    // Part 3, looked away from: the losers sleep to their own ends, 1 and 2 units later.
    let (winner, losers) = winner_and_losers(&trace.slices_of("3 stop waiting"));
    for (loser, units) in losers.iter().zip([2.0, 3.0]) {
        assert_eq!(loser.kind, "slept to the end", "{loser:?}");
        let after_winner_ms = (loser.end - winner.end) / 1e3;
        assert!(
            after_winner_ms >= (units - 1.0) * UNIT_MS * 0.95,
            "{loser:?}"
        );
    }
    // Part 1: wait(FIRST_COMPLETED) returns with both losers still running.
    let running = trace.levels_of("1 first of three", "naps running");
    let when = trace
        .moments
        .iter()
        .find(|m| m.group.starts_with("1 ") && m.name.starts_with("wait()"));
    let when = when.expect("the moment wait() returned").at;
    let level = running.iter().rev().find(|l| l.at <= when).unwrap().value;
    assert_eq!(level, 2.0, "{running:?}");
}
