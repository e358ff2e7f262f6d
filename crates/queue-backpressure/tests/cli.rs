//! Runs the built binary and its minimal program as a user does, and checks their claims.

mod common;
mod local;

use std::process::Command;

use common::{example, first_line_then_close, python_twin, summary};
use local::{SCENARIO, assert_backpressure};

const BIN: &str = env!("CARGO_BIN_EXE_queue-backpressure");

#[test]
fn a_bounded_queue_holds_the_producer_back_and_the_memory_down() {
    let out = Command::new(BIN).args(SCENARIO).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_backpressure(&summary(&stdout));
    local::assert_every_key_is_named_above(&stdout);
}

#[test]
fn the_minimal_program_never_gets_more_than_4_ahead() {
    let out = Command::new(example("asyncq")).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let waiting: Vec<u32> = lines
        .iter()
        .filter_map(|l| {
            l.split_once(" (")?
                .1
                .strip_suffix(" waiting)")?
                .parse()
                .ok()
        })
        .collect();
    assert_eq!(waiting.len(), 12, "{stdout}");
    assert_eq!(waiting.iter().max(), Some(&4), "{stdout}");
    // Every item finished exactly once, and the producer finished only after consumers had.
    for item in 0..12 {
        let finished = format!("finished <{item}>");
        assert_eq!(
            lines.iter().filter(|l| l.ends_with(&finished)).count(),
            1,
            "{stdout}"
        );
    }
    let done = lines
        .iter()
        .position(|l| l.ends_with("producer done"))
        .unwrap();
    assert!(
        lines[..done].iter().any(|l| l.contains("finished")),
        "{stdout}"
    );
    // 12 items / 3 consumers x 100 ms = 0.40 s.
    let secs: f64 = lines[lines.len() - 1]["Program completed in ".len()..]
        .trim_end_matches(" seconds.")
        .parse()
        .unwrap();
    assert!((0.39..2.0).contains(&secs), "{stdout}");
}

#[test]
fn bad_arguments_exit_2_naming_the_flag() {
    for (args, flag) in [
        (&["--items", "0"][..], "--items"),
        (&["--capacity", "0"], "--capacity"),
        (&["--consumers", "100"], "--consumers"),
        (&["--work-ms", "2000"], "--work-ms"),
        (&["--items", "12", "--capacity", "8"], "--capacity"),
        (
            &["--items", "5000000", "--item-bytes", "65536"],
            "--item-bytes",
        ),
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(flag),
            "{args:?}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_it_quietly() {
    // The first line comes before the work: the rest comes after the close.
    let mut bin = Command::new(BIN);
    bin.args([
        "--items",
        "40",
        "--work-ms",
        "10",
        "--throughput-items",
        "100",
    ]);
    for cmd in [bin, Command::new(example("asyncq"))] {
        let (line, status, stderr) = first_line_then_close(cmd);
        assert!(line.contains("item") || line.contains("producer"), "{line}");
        assert!(status.success(), "{status}: {stderr}");
        assert_eq!(stderr, "");
    }
}

/// stdout on a full disk: one `error:` line and status 1 from the demo, the minimal
/// program and the twin, never a panic or a lost-output exit 0.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    use common::assert_one_error_line_on_a_full_disk;
    let small = [
        "--items",
        "20",
        "--work-ms",
        "1",
        "--throughput-items",
        "100",
    ];
    let mut bin = Command::new(BIN);
    bin.args(small);
    assert_one_error_line_on_a_full_disk(bin);
    assert_one_error_line_on_a_full_disk(Command::new(example("asyncq")));
    if let Some(mut py) = python_twin() {
        py.args(small);
        assert_one_error_line_on_a_full_disk(py);
    }
}

/// More waiting items than this process's memory limit can hold: one `error:` line naming
/// the flags to lower, before either queue runs (not "memory allocation failed" and an
/// abort once the unbounded queue has grown).
#[cfg(target_os = "linux")]
#[test]
fn items_the_memory_limit_cannot_hold_fail_with_one_error_line() {
    let out = Command::new("sh")
        .args(["-c", "ulimit -v 300000; exec \"$0\" \"$@\"", BIN])
        .args([
            "--items",
            "1000000",
            "--item-bytes",
            "400",
            "--work-ms",
            "0",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: 1000000 waiting items of 400 B need about"),
        "{stderr}"
    );
    assert!(stderr.contains("lower --items or --item-bytes"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing ran");
}
