//! `--trace`: the lesson read back from the trace itself. In every dialogue the caller and
//! the generator take turns on one thread: their slices never overlap and alternate, and
//! the generator's slices read as the notes' exchange, resume by resume. The same for the
//! Python twin.

mod common;

use std::process::Command;

use common::{TempDir, Trace, python_twin, read_trace, summary};

const BIN: &str = env!("CARGO_BIN_EXE_generator-coroutine");
const ARGS: [&str; 4] = ["--n", "3", "--time-exchanges", "0"];

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

/// In `group`: the two tracks take turns (never both, strictly alternating), and the
/// generator's resumes are named as the exchange reads.
fn assert_turns(trace: &Trace, group: &str, callee: &str, expected: &[&str]) {
    let mut slices = trace.slices_of(group);
    assert!(!slices.is_empty(), "no group {group}: {:?}", trace.groups);
    slices.sort_by(|a, b| a.start.total_cmp(&b.start));
    // Never at once: each starts where the one before it ended (to the trace's rounding
    // of a thousandth of a microsecond, in ts and dur alike).
    let apart = slices.windows(2).all(|w| w[1].start >= w[0].end - 0.002);
    assert!(
        apart,
        "{group}: caller and generator never run at once: {slices:?}"
    );
    let turns: Vec<bool> = slices.iter().map(|s| s.track == callee).collect();
    assert!(
        turns.windows(2).all(|w| w[0] != w[1]),
        "{group}: they alternate: {slices:?}"
    );
    let resumes: Vec<&str> = slices
        .iter()
        .filter(|s| s.track == callee)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(&resumes[..expected.len()], expected, "{group}");
}

const CONSUMER: [&str; 5] = [
    "send(None) -> yields \"\"",
    "send(1) -> yields \"200 OK from iter 1\"",
    "send(2) -> yields \"200 OK from iter 2\"",
    "send(3) -> yields \"200 OK from iter 3\"",
    "close() -> closed",
];
const TWO_WAY: [&str; 3] = [
    "send(None) -> yields \"Ready\"",
    "send(10) -> yields \"Got 10\"",
    "send(20) -> yields \"Final: 20\"",
];

#[test]
fn caller_and_generator_take_turns_in_the_trace() {
    let (_, trace) = traced(Command::new(BIN), &ARGS);
    for style in ["(a)", "(b)"] {
        let groups: Vec<&String> = trace
            .groups
            .iter()
            .filter(|g| g.starts_with(style))
            .collect();
        assert_eq!(groups.len(), 2, "{:?}", trace.groups);
        assert_turns(&trace, groups[0], "consumer", &CONSUMER);
        assert_turns(&trace, groups[1], "generator", &TWO_WAY);
    }
}

#[test]
fn the_trace_changes_no_figure() {
    let plain = Command::new(BIN).args(ARGS).output().unwrap();
    let plain = summary(&String::from_utf8(plain.stdout).unwrap());
    let (stdout, _) = traced(Command::new(BIN), &ARGS);
    let with = summary(&stdout);
    for key in [
        "exchanges",
        "dialogues_equal",
        "closed_cleanly",
        "two_way_equal",
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
fn the_python_twins_trace_shows_the_same_turns() {
    let Some(twin) = python_twin() else { return };
    let (_, trace) = traced(twin, &ARGS);
    for style in ["(0)", "(a)", "(b)"] {
        let groups: Vec<&String> = trace
            .groups
            .iter()
            .filter(|g| g.starts_with(style))
            .collect();
        assert_eq!(groups.len(), 2, "{:?}", trace.groups);
        assert_turns(&trace, groups[0], "consumer", &CONSUMER);
        assert_turns(&trace, groups[1], "generator", &TWO_WAY);
    }
}
