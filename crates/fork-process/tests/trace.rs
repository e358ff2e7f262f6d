//! `--trace`: the run read back from its Chrome trace, and the lesson asserted from the
//! trace itself: one lane per child, from its fork to its reap, with the sum the child
//! ran inside it (its own times, sent back with its part); the children's lanes side by
//! side; the sequential sum on the parent alone.

mod common;

use std::process::Command;

use common::{Slice, TempDir, most_at_once, python_twin, read_trace, summary};

const BIN: &str = env!("CARGO_BIN_EXE_fork-process");

fn stdout_of(mut cmd: Command) -> String {
    let out = cmd.output().expect("run the program");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

/// Each child's lane: one "fork to reap" slice holding its "sums its range" slice, and
/// the moments it was forked and reaped at the two ends.
fn lanes_hold_the_childs_life(trace: &common::Trace, group: &str, children: usize) {
    let slices = trace.slices_of(group);
    let lives: Vec<&Slice> = slices
        .iter()
        .copied()
        .filter(|s| s.kind == "child process, fork to reap")
        .collect();
    let sums: Vec<&Slice> = slices
        .iter()
        .copied()
        .filter(|s| s.kind == "sums its range")
        .collect();
    assert_eq!(lives.len(), children, "{slices:?}");
    assert_eq!(sums.len(), children, "{slices:?}");
    for life in &lives {
        let sum = sums
            .iter()
            .find(|s| s.track == life.track)
            .expect("its sum");
        // A child sums after its fork and before its reap (a few us of slack: two clocks read).
        assert!(
            sum.start >= life.start - 1.0 && sum.end <= life.end + 1.0,
            "{sum:?} in {life:?}"
        );
        let moments: Vec<&str> = (trace.moments.iter())
            .filter(|m| m.track == life.track && m.group == life.group)
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(moments, ["forked", "reaped (waitpid)"], "{}", life.track);
    }
    // Every child is alive until the parent reaps it, after reading every pipe: their
    // lanes overlap, on one core too (the lane is a life, not a turn on the CPU).
    assert_eq!(most_at_once(&lives), children, "{lives:?}");
}

#[test]
fn each_child_has_a_lane_from_fork_to_reap() {
    let dir = TempDir::new();
    let path = dir.join("fork.json");
    let mut cmd = Command::new(BIN);
    cmd.args(["--children", "3", "--size", "3000000", "--trace"])
        .arg(&path);
    let out = stdout_of(cmd);
    assert!(out.contains("trace written to"), "{out}");
    assert_eq!(summary(&out)["children_left"], "0");
    let trace = read_trace(&path);
    lanes_hold_the_childs_life(&trace, "the sum, in 3 forked children", 3);
    let copy = trace.slices_of("a child gets a copy of the memory");
    assert_eq!(copy.len(), 1, "{copy:?}");
    let alone = trace.slices_of("the same sum, sequential");
    assert_eq!(alone.len(), 1, "{alone:?}");
    assert_eq!(alone[0].track, "parent alone");
}

#[test]
fn the_trace_changes_no_figure() {
    let args = ["--children", "2", "--size", "1000000"];
    let dir = TempDir::new();
    let mut with = Command::new(BIN);
    with.args(args).arg("--trace").arg(dir.join("t.json"));
    let with = summary(&stdout_of(with));
    let mut without = Command::new(BIN);
    without.args(args);
    let without = summary(&stdout_of(without));
    for key in [
        "children",
        "child_ppid_matches",
        "memory_separate",
        "results_equal",
        "children_left",
    ] {
        assert_eq!(with[key], without[key], "{key}");
    }
}

#[test]
fn a_trace_that_cannot_be_written_is_one_error_line() {
    let out = Command::new(BIN)
        .args([
            "--children",
            "2",
            "--size",
            "1000",
            "--trace",
            "/nonexistent-folder/t.json",
        ])
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
fn python_twin_trace_has_a_lane_per_child() {
    let Some(mut cmd) = python_twin() else {
        return;
    };
    let dir = TempDir::new();
    let path = dir.join("twin.json");
    cmd.args(["--children", "3", "--size", "300000", "--trace"])
        .arg(&path);
    let out = stdout_of(cmd);
    assert_eq!(summary(&out)["children_left"], "0", "{out}");
    let trace = read_trace(&path);
    lanes_hold_the_childs_life(&trace, "the sum, in 3 forked children", 3);
    assert_eq!(trace.slices_of("the same sum, sequential").len(), 1);
}
