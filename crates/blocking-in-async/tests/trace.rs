//! The `--trace` file asserts the lesson itself: on one thread the tasks' blocks never
//! overlap and the heartbeat's tick waits through all of them; on two workers two at a
//! time; moved off the runtime or awaited, all four overlap and the heartbeat keeps time.

mod common;

use std::process::Command;

use common::{TempDir, most_at_once, python_twin, read_trace, summary};

const BIN: &str = env!("CARGO_BIN_EXE_blocking-in-async");
const BLOCK_MS: f64 = 100.0;
const ARGS: [&str; 4] = ["--tasks", "4", "--block-ms", "100"];

/// The most tasks of row `key` blocked at once, and the heartbeat's longest wait, in ms.
fn row(trace: &common::Trace, key: &str) -> (usize, f64) {
    let slices = trace.slices_of(&format!("{key}:"));
    let tasks: Vec<_> = slices
        .iter()
        .copied()
        .filter(|s| s.track.starts_with("task "))
        .collect();
    assert_eq!(tasks.len(), 4, "{key}: {tasks:?}");
    let ticks = slices.iter().filter(|s| s.track.starts_with("heartbeat"));
    let longest = ticks.map(|s| (s.end - s.start) / 1e3).fold(0.0, f64::max);
    (most_at_once(&tasks), longest)
}

/// The rows both sides have: blocked on the one thread, and the fixes.
fn the_shared_rows(trace: &common::Trace, fixes: &[&str]) {
    for key in ["current_sleep", "current_cpu"] {
        let (at_once, longest) = row(trace, key);
        assert_eq!(at_once, 1, "{key}: the blocks ran one after another");
        assert!(
            longest >= 3.0 * BLOCK_MS,
            "{key}: the heartbeat waited {longest} ms"
        );
    }
    for key in fixes {
        let (at_once, longest) = row(trace, key);
        assert_eq!(at_once, 4, "{key}: the blocks overlap");
        assert!(
            longest < BLOCK_MS / 2.0,
            "{key}: the heartbeat waited {longest} ms"
        );
    }
}

#[test]
fn the_trace_shows_the_blocks_and_the_heartbeat_per_row() {
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let out = Command::new(BIN)
        .args(ARGS)
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
    assert!(
        stdout
            .lines()
            .rev()
            .nth(1)
            .unwrap()
            .starts_with("trace written to "),
        "{stdout}"
    );
    let trace = read_trace(&path);
    assert_eq!(
        trace.groups.len(),
        7,
        "one group per row: {:?}",
        trace.groups
    );
    the_shared_rows(&trace, &["spawn_blocking", "tokio_sleep"]);
    let (at_once, _) = row(&trace, "multi_sleep");
    assert_eq!(at_once, 2, "two workers: two blocks at a time");
}

#[test]
fn the_trace_changes_no_figure() {
    let plain = Command::new(BIN).args(ARGS).output().unwrap();
    let plain = summary(&String::from_utf8(plain.stdout).unwrap());
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let with = Command::new(BIN)
        .args(ARGS)
        .arg("--trace")
        .arg(&path)
        .output()
        .unwrap();
    let with = summary(&String::from_utf8(with.stdout).unwrap());
    for key in ["tasks", "block_ms", "workers", "cores"] {
        assert_eq!(plain[key], with[key], "{key}");
    }
    for key in ["current_sleep_x", "spawn_blocking_x", "tokio_sleep_x"] {
        let (a, b) = (common::number(&plain, key), common::number(&with, key));
        assert!(
            (a - b).abs() < 0.5,
            "{key}: {a} without the trace, {b} with it"
        );
    }
}

#[test]
fn the_python_twins_trace_shows_the_same_rows() {
    let Some(mut twin) = python_twin() else {
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
    the_shared_rows(&trace, &["spawn_blocking", "tokio_sleep"]);
}
