//! The minimal program, examples/countasync.rs, run as a learner runs it: the notes' output,
//! One One One, Two Two Two, executed in about one second (wide margin: debug build, busy
//! machine; the three sleeps gathered must not add up to three).

mod common;
mod local;

use std::process::Command;

use common::{example, first_line_then_close};
use local::words;

#[test]
fn countasync_prints_one_one_one_two_two_two_in_about_one_second() {
    let out = Command::new(example("countasync")).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 7, "{stdout}");
    assert_eq!(words(&stdout), ["One", "One", "One", "Two", "Two", "Two"]);
    let last = lines[6];
    assert!(last.contains("countasync.rs executed in "), "{last}");
    let seconds: f64 = last
        .rsplit_once("executed in ")
        .and_then(|(_, rest)| rest.strip_suffix(" seconds."))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no time in {last:?}"));
    assert!(seconds >= 1.0, "a 1 s sleep cannot end sooner: {seconds}");
    assert!(seconds < 2.0, "three gathered 1 s sleeps took {seconds} s");
}

#[test]
fn countasync_ends_quietly_on_a_closed_pipe() {
    // The first One is read; the three Two lines, a second later, meet the closed pipe.
    let mut cmd = Command::new(example("countasync"));
    cmd.env("RUST_BACKTRACE", "1");
    let (line, status, stderr) = first_line_then_close(cmd);
    assert_eq!(line, "One\n");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
}
