//! The Python twin (python/generator-coroutine.py) runs to completion with small parameters
//! and makes the same claims: every style prints exactly the notes' lines, n exchanges,
//! and the consumer closes cleanly. Skipped, with a message, when python3 is absent.

mod common;
mod local;

use std::process::{Command, Output};

use common::{first_line_then_close, summary};
use local::{NOTES_PRODUCER_CONSUMER, NOTES_TWO_WAY, section, without_narration};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/python/generator-coroutine.py");

fn python(args: &[&str]) -> Option<Output> {
    let Ok(out) = Command::new("python3").arg(SCRIPT).args(args).output() else {
        eprintln!("python3 not found on PATH: skipping the Python twin test");
        return None;
    };
    Some(out)
}

#[test]
fn python_twin_prints_exactly_the_notes_lines_in_every_style() {
    let Some(out) = python(&["--time-exchanges", "1000"]) else {
        return;
    };
    assert!(
        out.status.success(),
        "generator-coroutine.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for style in [
        "(0) the notes' generator",
        "(a) hand-written state machine",
        "(b) async def driven by hand",
    ] {
        let dialogue = section(&text, &format!("== {style}: producer and consumer"));
        assert_eq!(
            without_narration(&dialogue),
            NOTES_PRODUCER_CONSUMER,
            "{style}"
        );
        let two_way = section(&text, &format!("== {style}: two-way generator"));
        assert_eq!(without_narration(&two_way), NOTES_TWO_WAY, "{style}");
        // The notes' slip, measured by running their snippet's shape as written.
        assert!(
            two_way[0].ends_with("stops at once with NameError: name 'gen' is not defined"),
            "{}",
            two_way[0]
        );
    }
    let s = summary(&text);
    assert_eq!(s["exchanges"], "5");
    assert_eq!(s["dialogues_equal"], "true");
    assert_eq!(s["closed_cleanly"], "true");
    assert_eq!(s["two_way_equal"], "true");
    assert_eq!(s["ideal_s"], "0.000");
}

/// Both sides take the same `--style` values; the notes' generator is not one of them (it
/// always runs in Python, and Rust has no stable generators to run it with).
#[test]
fn python_twin_takes_the_rust_programs_styles_and_no_other() {
    for style in ["state-machine", "async", "both"] {
        let Some(out) = python(&["--n", "2", "--style", style, "--time-exchanges", "0"]) else {
            return;
        };
        assert!(out.status.success(), "--style {style}");
    }
    let Some(out) = python(&["--style", "generator"]) else {
        return;
    };
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn python_twin_ends_quietly_on_a_closed_pipe() {
    if python(&["--help"]).is_none() {
        return;
    }
    let mut cmd = Command::new("python3");
    cmd.args([SCRIPT, "--time-exchanges", "300000"]);
    let (line, status, stderr) = first_line_then_close(cmd);
    assert!(line.starts_with("== (0) the notes' generator"), "{line}");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
}

/// Ctrl-C in the middle of the run: the twin stops at once, quietly (no traceback), with
/// status 130, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_stops_quietly_on_ctrl_c() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/generator-coroutine.py");
    let after = std::time::Duration::from_millis(300);
    let Some(run) = common::ctrl_c_python(script, &["--time-exchanges", "5000000"], after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}
