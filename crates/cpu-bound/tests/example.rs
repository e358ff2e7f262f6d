//! The minimal program, run as a learner runs it: both runs find the same sums.

mod common;

use std::process::Command;

use common::{example, first_line_then_close};

#[test]
fn the_minimal_program_runs_both_ways_with_the_same_results() {
    let out = Command::new(example("cpubound"))
        .output()
        .expect("run cpubound");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].starts_with("one after another: duration "),
        "{stdout}"
    );
    assert!(lines[1].starts_with("on ") && lines[1].contains(" threads: duration "));
    assert!(lines[2].starts_with("same results; "), "{stdout}");
}

#[test]
fn the_minimal_program_ends_quietly_on_a_closed_pipe() {
    let (first, status, stderr) = first_line_then_close(Command::new(example("cpubound")));
    assert!(first.starts_with("one after another"), "{first}");
    assert_eq!(stderr, "");
    assert!(status.success(), "{status}");
}
