//! Runs the built binary and its minimal program as a user does, and checks their claims:
//! every count exactly. The job waits 500 ms and the caller gives up after 20 ms, so even
//! a thread the OS leaves waiting for a long while cannot blur which came first.

mod common;
mod local;

use std::process::Command;

use common::{example, first_line_then_close, number, reader_gone_from_the_start, summary};

const BIN: &str = env!("CARGO_BIN_EXE_cancellation");

#[test]
fn each_way_of_stopping_does_what_the_demo_says() {
    let out = Command::new(BIN)
        .args(["--work-ms", "500", "--timeout-ms", "20"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let stdout = String::from_utf8(out.stdout).unwrap();
    local::assert_every_key_is_named_above(&stdout);
    let s = summary(&stdout);
    // What happened to each job, in the summary's one word, and the counts behind it in
    // the table: (started, completed, cleanup ran before the end).
    let case = |key: &str, word: &str, counted: (u32, u32, u32), why: &str| {
        assert_eq!(s[key], word, "{why}: {s:?}");
        assert_eq!(local::counts(&stdout, key), counted, "{why}:\n{stdout}");
    };
    case(
        "timeout_future",
        "cancelled",
        (1, 0, 1),
        "dropped at its .await",
    );
    case(
        "timeout_handle",
        "finished",
        (1, 1, 0),
        "a timeout on a handle is a shield",
    );
    case("abort", "cancelled", (1, 0, 1), "aborted at its .await");
    case(
        "abort_blocking",
        "finished",
        (1, 1, 0),
        "blocking work cannot be stopped",
    );
    case(
        "never_awaited",
        "never_ran",
        (0, 0, 0),
        "a future never polled never runs",
    );
    case("spawned", "finished", (1, 1, 0), "spawn runs it once");
    case(
        "detached",
        "finished",
        (1, 1, 0),
        "a dropped handle detaches",
    );
    // What the caller got, as Rust writes it; nothing where it never waited for a result.
    for (key, got) in [
        ("timeout_future", "Err(Elapsed)"),
        ("timeout_handle", "Err(Elapsed)"),
        ("abort", "Err(Cancelled)"),
        ("abort_blocking", "Ok"),
        ("never_awaited", "-"),
        ("spawned", "-"),
        ("detached", "-"),
    ] {
        let row = local::row(&stdout, key);
        assert!(row.split_whitespace().any(|w| w == got), "{got}: {row}");
    }
    // Seven jobs' lengths, and the caller's 20 ms twice (timeout, abort) before the job's.
    assert_eq!(number(&s, "ideal_s"), 3.54);
    // The waits asked for are the least the run can take.
    assert!(number(&s, "elapsed_s") >= 3.54 * 0.99, "{s:?}");
}

#[test]
fn the_minimal_program_shows_drop_timeout_and_abort() {
    let out = Command::new(example("cancel_by_drop")).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().map(str::trim).collect();
    let has = |line: &str| lines.contains(&line);
    // a: cancelled by the timeout, its Drop ran, it never finished.
    assert!(
        has("a: started") && has("a: cleanup ran (Drop)") && !has("a: finished"),
        "{stdout}"
    );
    // b: the timeout dropped only its handle; it finished.
    assert!(has("b: started") && has("b: finished"), "{stdout}");
    // c: aborted at its .await.
    assert!(
        has("c: started") && has("c: cleanup ran (Drop)") && !has("c: finished"),
        "{stdout}"
    );
    assert!(has("cancelled: true"), "{stdout}");
    // d: never polled, never started.
    assert!(!lines.iter().any(|l| l.starts_with("d:")), "{stdout}");
    assert_eq!(
        lines.iter().filter(|l| **l == "timed out: true").count(),
        2,
        "{stdout}"
    );
}

#[test]
fn bad_arguments_exit_2_naming_the_flag() {
    for (args, flag) in [
        (&["--work-ms", "0"][..], "--work-ms"),
        (&["--timeout-ms", "x"][..], "--timeout-ms"),
        (
            &["--work-ms", "100", "--timeout-ms", "60"][..],
            "--timeout-ms",
        ),
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(flag), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_closed_pipe_ends_it_quietly() {
    let mut demo = Command::new(BIN);
    demo.args(["--work-ms", "40", "--timeout-ms", "5"]);
    for (cmd, first) in [
        (demo, "a job"),
        (Command::new(example("cancel_by_drop")), "timeout around"),
    ] {
        let (line, status, stderr) = first_line_then_close(cmd);
        assert!(line.starts_with(first), "{line}");
        assert!(status.success(), "{status}: {stderr}");
        assert_eq!(stderr, "");
    }
}

#[test]
fn a_reader_gone_from_the_start_ends_it_quietly() {
    let mut demo = Command::new(BIN);
    demo.args(["--work-ms", "40", "--timeout-ms", "5"]);
    for cmd in [demo, Command::new(example("cancel_by_drop"))] {
        let (status, stderr) = reader_gone_from_the_start(cmd);
        assert!(status.success(), "{status}: {stderr}");
        assert_eq!(stderr, "");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    use common::{assert_one_error_line_on_a_full_disk, python_twin};
    let mut demo = Command::new(BIN);
    demo.args(["--work-ms", "40", "--timeout-ms", "5"]);
    assert_one_error_line_on_a_full_disk(demo);
    assert_one_error_line_on_a_full_disk(Command::new(example("cancel_by_drop")));
    // The twin line by line (the first print fails at once) and buffered (at exit).
    for unbuffered in [true, false] {
        let Some(mut twin) = python_twin() else {
            return;
        };
        match unbuffered {
            true => twin.env("PYTHONUNBUFFERED", "1"),
            false => twin.env_remove("PYTHONUNBUFFERED"),
        };
        twin.args(["--work-ms", "40", "--timeout-ms", "5"]);
        assert_one_error_line_on_a_full_disk(twin);
    }
}
