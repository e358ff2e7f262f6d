//! Helpers shared by the crate's tests: the summary-line parser, the example's path,
//! a throwaway directory, and the demo run with no proxy settings from the environment.
#![allow(dead_code)] // each test file uses its own part of these

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The `key=value` pairs of the last line, which must be the summary line.
pub fn summary(stdout: &[u8]) -> HashMap<String, String> {
    let stdout = String::from_utf8_lossy(stdout);
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with("summary: "), "last line: {last}");
    last["summary: ".len()..]
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// A summary value as a number.
pub fn num(s: &HashMap<String, String>, key: &str) -> f64 {
    let value = s
        .get(key)
        .unwrap_or_else(|| panic!("missing {key} in {s:?}"));
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
        "{} not built: run `cargo test -p io-vs-cpu` (it builds examples)",
        path.display()
    );
    path
}

/// A fresh, empty directory under the system temp dir; removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::SeqCst);
        let name = format!("io-vs-cpu-test-{}-{n}-{tag}", std::process::id());
        let dir = std::env::temp_dir().join(name);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn entries(&self) -> usize {
        fs::read_dir(&self.0).unwrap().count()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// `program` in `cwd`, with TMPDIR pointing at `tmp` and no proxy variables.
pub fn command(program: impl AsRef<Path>, cwd: &Path, tmp: &Path) -> Command {
    let mut cmd = Command::new(program.as_ref());
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(var);
    }
    cmd.current_dir(cwd).env("TMPDIR", tmp);
    cmd
}

/// The demo's binary with `args`, run to the end.
pub fn run(args: &[&str], cwd: &Path, tmp: &Path) -> Output {
    command(env!("CARGO_BIN_EXE_io-vs-cpu"), cwd, tmp)
        .args(args)
        .output()
        .unwrap()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
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
