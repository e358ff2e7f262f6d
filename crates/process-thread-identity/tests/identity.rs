//! Runs the built demo and checks what it claims: the OS thread count rises by exactly the
//! number of threads started while they live, and falls back after join.

mod common;
mod local;

use std::process::{Command, Output};

use common::{example, first_line_then_close, reader_gone_from_the_start};

const BIN: &str = env!("CARGO_BIN_EXE_process-thread-identity");

fn demo(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("the demo binary runs")
}

/// The value of `key` in the summary line, as text.
fn summary_value(stdout: &str, key: &str) -> String {
    let summary = common::summary(stdout);
    summary
        .get(key)
        .unwrap_or_else(|| panic!("no {key} in {summary:?}"))
        .clone()
}

fn number(stdout: &str, key: &str) -> u64 {
    summary_value(stdout, key).parse().expect("an integer")
}

fn check_counts(threads: u64) -> String {
    let out = demo(&["--threads", &threads.to_string()]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "exit {:?}\n{stdout}", out.status);
    let before = number(&stdout, "threads_before");
    assert!(before >= 1);
    assert_eq!(
        number(&stdout, "threads_during"),
        before + threads,
        "{stdout}"
    );
    assert_eq!(number(&stdout, "threads_after"), before, "{stdout}");
    assert_eq!(number(&stdout, "started"), threads);
    // The word processor's typist: 50 keys, 10 ms before each.
    assert_eq!(summary_value(&stdout, "ideal_s"), "0.500");
    stdout
}

#[test]
fn one_thread_raises_the_count_by_one_and_join_lowers_it() {
    let stdout = check_counts(1);
    assert!(
        stdout.contains("current thread         \"main\""),
        "{stdout}"
    );
    let worker = stdout
        .lines()
        .find(|l| l.contains("[worker-1]"))
        .expect("the worker reports from inside");
    let before = number(&stdout, "threads_before");
    assert!(
        worker.contains(&format!("sees {} threads", before + 1)),
        "{worker}"
    );
}

#[test]
fn n_threads_at_once_raise_the_count_by_n() {
    let stdout = check_counts(5);
    for k in 1..=5 {
        assert!(
            stdout.contains(&format!("[worker-{k}]")),
            "worker-{k} missing:\n{stdout}"
        );
    }
    assert!(
        stdout.contains("every worker that counted saw the same: true"),
        "{stdout}"
    );
}

#[test]
fn many_threads_are_counted_but_only_a_few_print() {
    let stdout = check_counts(40);
    assert!(stdout.contains("and 32 more worker(s), quiet"), "{stdout}");
}

#[test]
fn pid_is_the_process_id_the_os_gave_the_child() {
    let child = Command::new(env!("CARGO_BIN_EXE_process-thread-identity"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(number(&stdout, "pid"), u64::from(pid));
}

#[cfg(target_os = "linux")]
#[test]
fn on_linux_the_main_threads_id_is_the_pid_and_the_kernel_knows_the_name() {
    let stdout = check_counts(1);
    let pid = number(&stdout, "pid");
    assert!(
        stdout.contains(&format!("\"main\", OS thread id {pid}")),
        "{stdout}"
    );
    assert!(
        stdout.contains("the kernel calls it \"worker-1\""),
        "{stdout}"
    );
}

#[test]
fn bad_arguments_exit_with_2() {
    for args in [
        &["--threads", "0"][..],
        &["--threads", "many"],
        &["--bogus"],
    ] {
        let out = demo(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        // clap's message, naming the flag that was wrong.
        assert!(
            stderr.contains("error:") && stderr.contains(args[0]),
            "{stderr}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn the_minimal_program_counts_one_thread_then_two() {
    let child = Command::new(example("hellothread"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines,
        [
            format!("Rust process running with process id: {pid}").as_str(),
            "Rust is currently running 1 thread(s)",
            "The current thread is main",
            lines[3],
            "Rust is currently running 2 thread(s)",
            "The current thread is main",
        ],
        "{stdout}"
    );
    assert!(
        lines[3].starts_with("Hello from thread \"hello\""),
        "{stdout}"
    );
}

#[test]
fn a_closed_pipe_ends_it_quietly() {
    // 2000 threads take a while to start: there is output left after the reader goes.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_process-thread-identity"));
    cmd.args(["--threads", "2000"]);
    let (line, status, stderr) = first_line_then_close(cmd);
    assert!(line.starts_with("process id"), "{line}");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
    // And with the reader gone before the first line, for the demo and the example.
    for cmd in [
        Command::new(env!("CARGO_BIN_EXE_process-thread-identity")),
        Command::new(example("hellothread")),
    ] {
        let (status, stderr) = reader_gone_from_the_start(cmd);
        assert!(status.success(), "{status}: {stderr}");
        assert_eq!(stderr, "");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    let mut demo = Command::new(BIN);
    demo.args(["--threads", "3"]);
    common::assert_one_error_line_on_a_full_disk(demo);
    common::assert_one_error_line_on_a_full_disk(Command::new(example("hellothread")));
}

/// Under `ulimit -v 300000`, 10,000 threads' stacks (20 GB) cannot fit: the demo says so
/// before it starts any thread or prints anything, naming the flag and the limit.
#[cfg(target_os = "linux")]
#[test]
fn more_threads_than_the_memory_limit_holds_are_refused_ahead() {
    let out = local::under_a_memory_limit(BIN, &["--threads", "10000"]);
    let line = local::assert_one_error_line(&out, &["--threads 10000", "ulimit -v 300000"]);
    assert!(line.contains("stacks"), "{line}");
    assert!(out.stdout.is_empty(), "it started before refusing");
}

/// 120 stacks (240 MiB) fit under the limit on paper, but glibc's malloc reserves 64 MiB
/// per new thread's arena as well: a start fails part way. That too is one line that names
/// the flag and the limit, never an abort.
#[cfg(target_os = "linux")]
#[test]
fn a_thread_that_cannot_start_under_the_limit_gives_one_line() {
    let out = local::under_a_memory_limit(BIN, &["--threads", "120"]);
    local::assert_one_error_line(&out, &["--threads", "ulimit -v 300000"]);
}
