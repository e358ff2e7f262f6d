//! The minimal program, run as a learner runs it: three tasks on one thread, paused on
//! their sockets, resumed in the order their replies come, in about the longest wait.

mod common;

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
    let (first, status, stderr) = common::first_line_then_close(&common::example("taskqueue"), &[]);
    assert!(first.starts_with("task 0"), "{first}");
    assert_eq!((status.code(), stderr.as_str()), (Some(0), ""));

    let demo = std::path::PathBuf::from(common::BIN);
    let args = ["--trace", "--clients", "2", "--step-ms", "20"];
    let (first, status, stderr) = common::first_line_then_close(&demo, &args);
    assert!(first.contains("tasks"), "{first}");
    assert_eq!((status.code(), stderr.as_str()), (Some(0), ""));
}
