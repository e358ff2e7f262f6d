//! The minimal program, examples/cooperative_ticker.rs, run as a learner runs it: beside
//! the spinner that never awaits the ticker is late by most of the spin; beside the one
//! that yields, it keeps time.

mod common;

use std::process::Command;

use common::{example, first_line_then_close};

/// The "worst lateness: N ms" lines, in the order printed.
fn worst_lateness(stdout: &str) -> Vec<f64> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("worst lateness: "))
        .map(|rest| rest.trim_end_matches(" ms").parse().unwrap())
        .collect()
}

#[test]
fn the_spinner_that_never_awaits_starves_the_ticker_the_yielding_one_does_not() {
    let out = Command::new(example("cooperative_ticker"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.matches("  tick ").count(), 10, "{stdout}");
    let worst = worst_lateness(&stdout);
    assert_eq!(worst.len(), 2, "{stdout}");
    // The spin runs from 150 ms to at least 450 ms: the tick due at 200 ms cannot run
    // before 450 ms, 250 ms late, whatever the load. Beside the yielder only the OS can
    // make a tick late (wide margin: a loaded machine delays every tick).
    assert!(worst[0] >= 245.0, "{stdout}");
    assert!(worst[1] < 0.5 * worst[0], "{stdout}");
}

#[test]
fn it_ends_quietly_on_a_closed_pipe() {
    // The heading is read; the tick lines that follow meet the closed pipe.
    let mut cmd = Command::new(example("cooperative_ticker"));
    cmd.env("RUST_BACKTRACE", "1");
    let (line, status, stderr) = first_line_then_close(cmd);
    assert_eq!(line, "The spinner never awaits:\n");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
}
