//! Runs the built binary and its minimal program as a user does, and checks their claims.

mod common;

use std::process::Command;

use common::{SCENARIO, assert_backpressure, example, first_line_then_close, summary};

const BIN: &str = env!("CARGO_BIN_EXE_queue-backpressure");
#[test]
fn a_bounded_queue_holds_the_producer_back_and_the_memory_down() {
    let out = Command::new(BIN).args(SCENARIO).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_backpressure(&summary(&String::from_utf8(out.stdout).unwrap()));
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
