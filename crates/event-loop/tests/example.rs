//! The minimal program, run as a learner runs it: three tasks on one thread, paused on
//! their sockets, resumed in the order their replies come, in about the longest wait.

mod common;
mod local;

use std::process::Command;

#[test]
fn taskqueue_pauses_tasks_and_resumes_them_as_replies_come() {
    let out = Command::new(common::example("taskqueue")).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    // All three start (and pause) before any finishes; then they finish as their replies
    // arrive: 100 ms, 200 ms, 300 ms, whatever the order they started in.
    assert_eq!(
        lines[..9],
        [
            "task 0: asks, and waits for the reply",
            "task 1: asks, and waits for the reply",
            "task 2: asks, and waits for the reply",
            "loop: no task can run; poll(2) on 3 socket(s)",
            "task 1: got \"reply after 100 ms\"",
            "loop: no task can run; poll(2) on 2 socket(s)",
            "task 2: got \"reply after 200 ms\"",
            "loop: no task can run; poll(2) on 1 socket(s)",
            "task 0: got \"reply after 300 ms\"",
        ],
        "{text}"
    );
    // One thread, yet about the longest wait (0.3 s), not the sum (0.6 s): wide margins.
    let secs: f64 = lines[9]
        .strip_prefix("executed in ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no time in {:?}", lines[9]));
    assert!((0.29..0.55).contains(&secs), "{text}");
}

#[test]
fn example_and_binary_end_quietly_on_a_closed_pipe() {
    let (first, status, stderr) =
        common::first_line_then_close(Command::new(common::example("taskqueue")));
    assert!(first.starts_with("task 0"), "{first}");
    assert_eq!((status.code(), stderr.as_str()), (Some(0), ""));

    let args = ["--narrate", "--clients", "2", "--step-ms", "20"];
    let mut demo = Command::new(local::BIN);
    demo.args(args);
    let (first, status, stderr) = common::first_line_then_close(demo);
    assert!(first.contains("tasks"), "{first}");
    assert_eq!((status.code(), stderr.as_str()), (Some(0), ""));

    // No reader at all from the start: the very first line meets the closed pipe.
    let mut demo = Command::new(local::BIN);
    demo.args(args);
    for cmd in [Command::new(common::example("taskqueue")), demo] {
        let (status, stderr) = common::reader_gone_from_the_start(cmd);
        assert_eq!((status.code(), stderr.as_str()), (Some(0), ""));
    }
}

/// A full disk (or quota): one `error:` line and exit 1 from the binary (its narration and
/// `--serve` too), the minimal program and the twin, never an exit 0 with the output lost.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    use common::assert_one_error_line_on_a_full_disk;
    let small = ["--clients", "1", "--step-ms", "20"];
    for extra in [
        &["--narrate", "--runtime", "scratch"][..],
        &["--runtime", "tokio"],
    ] {
        let mut demo = Command::new(local::BIN);
        demo.args(small).args(extra);
        assert_one_error_line_on_a_full_disk(demo);
    }
    for runtime in ["scratch", "tokio"] {
        let mut serve = Command::new(local::BIN);
        serve.args(["--serve", "127.0.0.1:0", "--runtime", runtime]);
        assert_one_error_line_on_a_full_disk(serve);
    }
    assert_one_error_line_on_a_full_disk(Command::new(common::example("taskqueue")));
    if let Some(mut py) = common::python_twin() {
        py.args(small).arg("--narrate");
        assert_one_error_line_on_a_full_disk(py);
    }
}
