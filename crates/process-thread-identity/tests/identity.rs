//! Runs the built demo and checks what it claims: the OS thread count rises by exactly the
//! number of threads started while they live, and falls back after join.

use std::process::{Command, Output};

fn demo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_process-thread-identity"))
        .args(args)
        .output()
        .expect("the demo binary runs")
}

/// The value of `key` on the last line, which must be the summary line.
fn summary_value(stdout: &str, key: &str) -> String {
    let last = stdout.lines().last().expect("some output");
    assert!(
        last.starts_with("summary: "),
        "last line is not the summary: {last}"
    );
    last.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")).map(str::to_string))
        .unwrap_or_else(|| panic!("no {key}= in {last}"))
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
    assert_eq!(summary_value(&stdout, "ideal_s"), "0.000");
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
        assert!(String::from_utf8_lossy(&out.stderr).contains("error:"));
    }
}
