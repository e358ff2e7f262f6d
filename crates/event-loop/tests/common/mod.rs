//! Helpers shared by this crate's integration tests: the summary parser, the example's
//! path, and a `--serve` server run as a child whose lines arrive as they are printed.
#![allow(dead_code)] // each test file uses its own part of this module

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_event-loop");

/// The `summary:` line, which must be the last line of `stdout`, as key -> value.
pub fn summary(stdout: &str) -> HashMap<String, String> {
    let last = stdout.lines().last().unwrap_or_default();
    let rest = last
        .strip_prefix("summary: ")
        .unwrap_or_else(|| panic!("last line is not the summary: {last:?}"));
    rest.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A summary value as a number.
pub fn num(s: &HashMap<String, String>, key: &str) -> f64 {
    let v = s.get(key).unwrap_or_else(|| panic!("no {key} in {s:?}"));
    v.parse()
        .unwrap_or_else(|_| panic!("{key}={v} is not a number"))
}

/// The example `name`, built by `cargo test` before it runs the tests.
pub fn example(name: &str) -> PathBuf {
    let mut dir = std::env::current_exe().unwrap(); // target/<profile>/deps/<test>
    dir.pop();
    dir.pop();
    let path = dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} not built: run `cargo test -p event-loop` (it builds examples)",
        path.display()
    );
    path
}

/// Runs `program args`, reads the first line of its stdout, then closes the pipe, as
/// `program | head -1` does; returns that line, the exit status and all of stderr.
pub fn first_line_then_close(program: &PathBuf, args: &[&str]) -> (String, ExitStatus, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let mut first = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut first).unwrap();
    drop(out); // the reader is gone: the program's next line meets a closed pipe
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (first, output.status, stderr)
}

/// A `--serve` server in a child process. Its stdout lines arrive on a channel as it
/// prints them; dropping it kills and reaps the child, so a failed test leaves nothing.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    lines: Receiver<String>,
    pub seen: Vec<String>,
}

impl Server {
    /// Starts `event-loop --serve 127.0.0.1:0 <args>` and reads the address from its first line.
    pub fn start(args: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(["--serve", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server starts");
        let out = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = channel();
        thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            addr: "0.0.0.0:0".parse().unwrap(),
            lines,
            seen: Vec::new(),
        };
        let first = server.wait_for("listening on ");
        let addr = first
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split(';').next())
            .unwrap_or_else(|| panic!("no address in {first:?}"));
        server.addr = addr
            .parse()
            .unwrap_or_else(|_| panic!("bad address in {first:?}"));
        assert!(
            first.contains(&format!("nc {} {}", server.addr.ip(), server.addr.port())),
            "the first line gives no nc command: {first}"
        );
        server
    }

    /// Waits (up to 20 s, a wide margin for a busy machine) for a line containing `needle`.
    pub fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "no line with {needle:?} in 20 s; seen:\n{}",
                        self.seen.join("\n")
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!(
                        "the server ended before {needle:?}; seen:\n{}",
                        self.seen.join("\n")
                    )
                }
            }
        }
    }

    /// Index in `seen` of the first line containing `needle`.
    pub fn index_of(&self, needle: &str) -> usize {
        self.seen
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in:\n{}", self.seen.join("\n")))
    }

    /// Sends SIGINT (as Ctrl-C does), waits for the exit, and returns the status, the
    /// lines not yet seen, and stderr.
    pub fn interrupt(mut self) -> (ExitStatus, Vec<String>, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(sent.success(), "kill -INT {pid} failed");
        let status = self.child.wait().unwrap();
        let rest: Vec<String> = self.lines.iter().collect();
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            std::io::Read::read_to_string(&mut e, &mut stderr).unwrap();
        }
        (status, rest, stderr)
    }

    /// The server's own child processes (Linux's /proc; None elsewhere).
    pub fn children(&self) -> Option<String> {
        let pid = self.child.id();
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
