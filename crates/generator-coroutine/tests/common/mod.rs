//! Helpers shared by this crate's integration tests.
#![allow(dead_code)] // each test file uses its own part of these

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};

/// The `key=value` pairs of the closing `summary:` line.
pub fn summary(stdout: &str) -> HashMap<String, String> {
    let last = stdout.lines().last().unwrap_or_default();
    let fields = last
        .strip_prefix("summary: ")
        .unwrap_or_else(|| panic!("the last line is not a summary: {last}"));
    fields
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The number under `key` in a summary.
pub fn number(summary: &HashMap<String, String>, key: &str) -> f64 {
    let value = summary
        .get(key)
        .unwrap_or_else(|| panic!("no {key} in {summary:?}"));
    value
        .parse()
        .unwrap_or_else(|_| panic!("{key}={value} is not a number"))
}

/// The example `name`, built by `cargo test` before it runs the tests.
pub fn example(name: &str) -> PathBuf {
    let mut dir = std::env::current_exe().unwrap(); // target/<profile>/deps/<test>
    dir.pop();
    dir.pop();
    let path = dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo test -p generator-coroutine` (it builds the examples)",
        path.display()
    );
    path
}

/// Runs `cmd`, reads its first line and closes the pipe, as `| head -n 1` does; returns
/// that line, how the program ended, and its stderr.
pub fn first_line_then_close(mut cmd: Command) -> (String, ExitStatus, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // The reader is gone: the program's next write finds the pipe closed.
    let out = child.wait_with_output().unwrap();
    (
        line,
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `cmd` with its stdout a pipe whose reader is gone before the program starts, as
/// `| head -n 0` does: for a program whose whole output would otherwise fit in the pipe
/// before a reader could close it. The pipe is the stdin of a `true` that has already
/// exited, so the program's first write fails, every time. Returns how it ended, and its
/// stderr.
pub fn reader_gone_before_it_writes(mut cmd: Command) -> (ExitStatus, String) {
    let mut reader = Command::new("true").stdin(Stdio::piped()).spawn().unwrap();
    let write_end = reader.stdin.take().unwrap();
    reader.wait().unwrap(); // the only reader has exited: nobody will ever read this pipe
    let out = cmd
        .stdout(Stdio::from(write_end))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The lines printed under the heading that starts with `heading`, up to the next heading
/// or blank line.
pub fn section(text: &str, heading: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| !l.starts_with(heading))
        .skip(1)
        .take_while(|l| !l.starts_with("==") && !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The lines the notes' programs print: everything but the demo's `  # ` narration.
pub fn without_narration(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| !l.starts_with("  # "))
        .cloned()
        .collect()
}

/// The notes' producer/consumer output for five messages, as the notes' Python prints it.
pub const NOTES_PRODUCER_CONSUMER: [&str; 15] = [
    "[PRODUCER] Producing 1",
    "[CONSUMER] Consuming 1",
    "[PRODUCER] Consumer return: 200 OK from iter 1",
    "[PRODUCER] Producing 2",
    "[CONSUMER] Consuming 2",
    "[PRODUCER] Consumer return: 200 OK from iter 2",
    "[PRODUCER] Producing 3",
    "[CONSUMER] Consuming 3",
    "[PRODUCER] Consumer return: 200 OK from iter 3",
    "[PRODUCER] Producing 4",
    "[CONSUMER] Consuming 4",
    "[PRODUCER] Consumer return: 200 OK from iter 4",
    "[PRODUCER] Producing 5",
    "[CONSUMER] Consuming 5",
    "[PRODUCER] Consumer return: 200 OK from iter 5",
];

/// The notes' two-way generator, with `gen = interactive_generator()` added.
pub const NOTES_TWO_WAY: [&str; 6] = [
    "Generator started",
    "Ready",
    "Received: 10",
    "Got 10",
    "Received: 20",
    "Final: 20",
];

/// What a Ctrl-C in the middle of a run left: see [`ctrl_c_python`].
#[derive(Debug)]
pub struct Interrupted {
    /// The exit status's code: 130 is what a Python program that stops on Ctrl-C returns.
    pub code: Option<i32>,
    /// It had not ended 10 s after the signal (it was then killed).
    pub hung: bool,
    /// It had printed its summary line before the signal came: the run was too short.
    pub ended_first: bool,
    pub stderr: String,
    /// Processes of its group (children it started) still alive a second after it ended.
    pub left: usize,
}

/// Runs the Python twin with `args`, presses Ctrl-C as a terminal does (SIGINT to the whole
/// process group, children included) `after` its first line, and reports what is left.
/// The SIGINT handler is put back first: a test run from a script started with `&` would
/// otherwise hand Python SIGINT already ignored. None when python3 is not installed.
#[cfg(target_os = "linux")]
pub fn ctrl_c_python(
    script: &str,
    args: &[&str],
    after: std::time::Duration,
) -> Option<Interrupted> {
    use std::io::{BufRead, BufReader, Read};
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    const AS_FROM_A_TERMINAL: &str = "import runpy, signal, sys; \
        signal.signal(signal.SIGINT, signal.default_int_handler); \
        sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')";
    let mut child = match Command::new("python3")
        .args(["-u", "-c", AS_FROM_A_TERMINAL, script])
        .args(args)
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(_) => {
            println!("python3 not found: skipped the Ctrl-C check of the twin");
            return None;
        }
    };
    let group = child.id() as i32;
    let signal_group = |signal: &str| {
        let kill = format!("kill -{signal} -{group}"); // dash takes no "--"
        let _ = Command::new("sh").args(["-c", &kill]).status();
    };
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let rest = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let mut stderr = child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    std::thread::sleep(after);
    signal_group("INT");
    let signalled = Instant::now();
    let mut hung = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if signalled.elapsed() > Duration::from_secs(10) {
            hung = true;
            signal_group("KILL");
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut left = group_alive(group);
    let ended = Instant::now();
    while left > 0 && ended.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(50));
        left = group_alive(group);
    }
    if left > 0 {
        signal_group("KILL");
    }
    Some(Interrupted {
        code: status.code(),
        hung,
        ended_first: rest.join().unwrap().contains("summary:"),
        stderr: errors.join().unwrap(),
        left,
    })
}

/// Processes in process group `group` that are still running (zombies waiting for init to
/// reap them are already gone as far as a learner is concerned).
#[cfg(target_os = "linux")]
fn group_alive(group: i32) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.filter_map(|entry| std::fs::read_to_string(entry.ok()?.path().join("stat")).ok())
        .filter(|stat| {
            // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after ')'.
            let Some((_, fields)) = stat.rsplit_once(')') else {
                return false;
            };
            let fields: Vec<&str> = fields.split_whitespace().collect();
            fields.len() > 2 && fields[0] != "Z" && fields[2] == group.to_string()
        })
        .count()
}
