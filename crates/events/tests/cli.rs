//! Runs the built binary and its minimal program as a user does, and checks their claims.

mod common;

use std::process::Command;

use common::{example, first_line_then_close, number, summary};

const BIN: &str = env!("CARGO_BIN_EXE_events");

#[test]
fn the_sleep_is_never_shorter_than_asked() {
    let out = Command::new(BIN)
        .args(["--delay-ms", "50"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = summary(&String::from_utf8(out.stdout).unwrap());
    assert!(number(&s, "slept_s") >= 0.050);
    assert!(number(&s, "ratio") >= 1.0);
}

#[test]
fn the_minimal_program_sleeps_at_least_100_ms() {
    let out = Command::new(example("events")).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let ms: f64 = stdout.lines().last().unwrap()["slept ".len()..]
        .trim_end_matches(" ms")
        .parse()
        .unwrap();
    assert!(ms >= 100.0, "{stdout}");
}

#[test]
fn the_trace_shows_one_sleep_as_long_as_the_measured_one() {
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let out = Command::new(BIN)
        .args(["--delay-ms", "50", "--trace"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let slept = number(&summary(&String::from_utf8(out.stdout).unwrap()), "slept_s");
    let trace = common::read_trace(&path);
    let sleeps = trace.slices_of("one sleep");
    assert_eq!(sleeps.len(), 1, "{trace:?}");
    let traced = (sleeps[0].end - sleeps[0].start) / 1e6;
    assert!(
        traced >= 0.050 && (traced - slept).abs() < 0.002,
        "{traced} against {slept}"
    );
}

#[test]
fn a_bad_argument_exits_2() {
    let out = Command::new(BIN).arg("--delay-ms=0").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--delay-ms"));
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    common::assert_one_error_line_on_a_full_disk(Command::new(BIN));
    common::assert_one_error_line_on_a_full_disk(Command::new(example("events")));
}

#[test]
fn a_closed_pipe_ends_it_quietly() {
    for cmd in [Command::new(BIN), Command::new(example("events"))] {
        let (line, status, stderr) = first_line_then_close(cmd);
        assert!(line.starts_with("sleeping"), "{line}");
        assert!(status.success(), "{status}: {stderr}");
        assert_eq!(stderr, "");
    }
}
