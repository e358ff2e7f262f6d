//! The two minimal programs, run as a learner runs them: each prints exactly what the
//! notes' Python program prints (the two-way one with the `gen = ...` line the notes miss).

mod common;
mod local;

use std::process::Command;

use common::{example, reader_gone_from_the_start};
use local::{NOTES_PRODUCER_CONSUMER, NOTES_TWO_WAY};

fn lines_of(name: &str) -> Vec<String> {
    let out = Command::new(example(name)).output().unwrap();
    assert!(out.status.success(), "{name}");
    assert!(out.stderr.is_empty(), "{name}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn generator_consumer_prints_the_notes_fifteen_lines() {
    assert_eq!(lines_of("generator_consumer"), NOTES_PRODUCER_CONSUMER);
}

#[test]
fn interactive_generator_prints_the_notes_six_lines() {
    assert_eq!(lines_of("interactive_generator"), NOTES_TWO_WAY);
}

/// Their whole output fits in a pipe at once, so the reader leaves before they write.
#[test]
fn both_end_quietly_on_a_closed_pipe() {
    for name in ["generator_consumer", "interactive_generator"] {
        let mut cmd = Command::new(example(name));
        cmd.env("RUST_BACKTRACE", "1");
        let (status, stderr) = reader_gone_from_the_start(cmd);
        assert!(status.success(), "{name}: {status}: {stderr}");
        assert_eq!(stderr, "", "{name}");
    }
}
