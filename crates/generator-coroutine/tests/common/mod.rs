//! Helpers shared by a crate's integration tests. This file is the same in every crate
//! (`make test` compares each copy with scripts/template/tests/common/mod.rs): change it
//! there, then copy it. Helpers only one crate needs live in that crate's `tests/local/`.
#![allow(dead_code)] // each test file uses its own part of these

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

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
        "{} is not built: run `cargo test -p {}` (it builds the examples)",
        path.display(),
        env!("CARGO_PKG_NAME")
    );
    path
}

/// `python3 python/<crate>.py`, the crate's Python twin, or None (saying so) when python3
/// is not installed: the twins' tests then skip.
pub fn python_twin() -> Option<Command> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/",
        env!("CARGO_PKG_NAME"),
        ".py"
    );
    if Command::new("python3").arg("--version").output().is_err() {
        println!("python3 not found: skipped a check of the Python twin");
        return None;
    }
    let mut python = Command::new("python3");
    python.arg(script);
    Some(python)
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

/// Runs `cmd` with its stdout on a pipe whose reader is closed before it starts, so its
/// very first write fails, whatever the timing; returns how it ended and its stderr.
pub fn reader_gone_from_the_start(mut cmd: Command) -> (ExitStatus, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = cmd.stdout(writer).stderr(Stdio::piped()).output().unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `cmd` with its stdout on /dev/full, which fails every write as a full disk does,
/// and checks the program says so in one `error:` line and exits 1: no panic, no
/// backtrace, no traceback, and no exit 0 that would hide the lost output.
#[cfg(target_os = "linux")]
pub fn assert_one_error_line_on_a_full_disk(mut cmd: Command) {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = cmd.stdout(full).stderr(Stdio::piped()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{cmd:?} on a full disk: {stderr}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines.len() == 1 && lines[0].starts_with("error: "),
        "{cmd:?} on a full disk should print one error line, not:\n{stderr}"
    );
}

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
pub fn ctrl_c_python(script: &str, args: &[&str], after: Duration) -> Option<Interrupted> {
    use std::os::unix::process::CommandExt;
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
    let group = child.id();
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
    let mut left = processes_in_group(group).len();
    let ended = Instant::now();
    while left > 0 && ended.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(50));
        left = processes_in_group(group).len();
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

/// The processes still running in process group `group` (Linux: from /proc; elsewhere,
/// none seen). Zombies waiting for init to reap them are already gone for a learner.
pub fn processes_in_group(group: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // After the command's name in parentheses: state, ppid, pgrp.
            let fields: Vec<&str> = stat
                .rsplit_once(')')
                .map_or("", |(_, rest)| rest)
                .split_whitespace()
                .collect();
            fields.first() != Some(&"Z")
                && fields.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(group)
        })
        .collect()
}

/// How many connections the kernel has dropped so far because a listen queue was full
/// (`TcpExtListenOverflows`, what `nstat` shows; Linux only, None elsewhere). Count it
/// before and after a burst of clients: a server whose backlog is too small makes it grow,
/// and its clients wait out a one-second SYN retransmit.
pub fn listen_overflows() -> Option<u64> {
    let netstat = std::fs::read_to_string("/proc/net/netstat").ok()?;
    let mut tcp_ext = netstat.lines().filter(|l| l.starts_with("TcpExt:"));
    let (names, values) = (tcp_ext.next()?, tcp_ext.next()?);
    let at = names
        .split_whitespace()
        .position(|n| n == "ListenOverflows")?;
    values.split_whitespace().nth(at)?.parse().ok()
}
