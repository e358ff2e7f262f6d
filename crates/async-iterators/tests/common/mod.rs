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
/// backtrace, no traceback, and no exit 0 that would hide the lost output. Where there is
/// no /dev/full (macOS), it says so and checks nothing.
pub fn assert_one_error_line_on_a_full_disk(mut cmd: Command) {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        println!("no /dev/full on this system: skipped the full-disk check");
        return;
    };
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
/// (Processes left behind are counted from /proc: on macOS, `left` is always 0.)
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

/// A folder of its own under the system's temp dir, removed with everything in it when
/// dropped: where a test's trace files go.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("{}-test-{}-{n}", env!("CARGO_PKG_NAME"), std::process::id());
        let dir = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Something that took time on a track of a trace, in microseconds from the start.
#[derive(Debug, Clone)]
pub struct Slice {
    pub group: String,
    pub track: String,
    pub kind: String,
    pub name: String,
    pub start: f64,
    pub end: f64,
}

/// A moment on a track.
#[derive(Debug, Clone)]
pub struct Moment {
    pub group: String,
    pub track: String,
    pub name: String,
    pub at: f64,
}

/// One reading of a counter: the level `name` of `group` is `value` from `at` on.
#[derive(Debug, Clone)]
pub struct Level {
    pub group: String,
    pub name: String,
    pub at: f64,
    pub value: f64,
}

/// A `--trace` file read back: its groups and tracks by name, and its events.
#[derive(Debug, Default)]
pub struct Trace {
    pub groups: Vec<String>,
    pub tracks: Vec<(String, String)>,
    pub slices: Vec<Slice>,
    pub moments: Vec<Moment>,
    pub levels: Vec<Level>,
    pub notes: Vec<String>,
}

/// Reads and checks a `--trace` file: it must be JSON in the Chrome Trace Event Format
/// (an object with `traceEvents`), every event of a known phase with a finite, non-negative
/// `ts`, every slice with a `dur`, and every group and track it uses named by an `M` event
/// with a non-empty name. Panics, saying what is wrong, otherwise.
pub fn read_trace(path: &std::path::Path) -> Trace {
    use serde_json::Value;
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read the trace {}: {e}", path.display()));
    let json: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("the trace {} is not JSON: {e}", path.display()));
    let events = json["traceEvents"]
        .as_array()
        .unwrap_or_else(|| panic!("the trace {} has no traceEvents array", path.display()));
    let int = |e: &Value, key: &str| e[key].as_u64().unwrap_or_else(|| panic!("{key} of {e}"));
    let text_of = |e: &Value, key: &str| -> String {
        let s = e[key].as_str().unwrap_or_else(|| panic!("{key} of {e}"));
        assert!(!s.trim().is_empty(), "an empty {key} in {e}");
        s.to_string()
    };
    let mut groups: HashMap<u64, String> = HashMap::new();
    let mut tracks: HashMap<(u64, u64), String> = HashMap::new();
    let mut trace = Trace::default();
    for e in events.iter().filter(|e| e["ph"] == "M") {
        match e["name"].as_str() {
            Some("process_name") => {
                let name = text_of(&e["args"], "name");
                trace.groups.push(name.clone());
                groups.insert(int(e, "pid"), name);
            }
            Some("thread_name") => {
                let name = text_of(&e["args"], "name");
                tracks.insert((int(e, "pid"), int(e, "tid")), name);
            }
            _ => {}
        }
    }
    let mut named: Vec<_> = tracks.iter().collect();
    named.sort_by_key(|(key, _)| **key);
    for ((pid, _), name) in named {
        let group = groups
            .get(pid)
            .unwrap_or_else(|| panic!("track {name} is in group {pid}, which has no name"));
        trace.tracks.push((group.clone(), name.clone()));
    }
    for e in events.iter().filter(|e| e["ph"] != "M") {
        let at = e["ts"].as_f64().unwrap_or_else(|| panic!("no ts in {e}"));
        assert!(at.is_finite() && at >= 0.0, "a bad ts in {e}");
        let pid = int(e, "pid");
        let group = groups
            .get(&pid)
            .unwrap_or_else(|| panic!("an event in group {pid}, which has no name: {e}"))
            .clone();
        let track = || -> String {
            let key = (pid, int(e, "tid"));
            let name = tracks.get(&key);
            name.unwrap_or_else(|| panic!("an event on a track with no name: {e}"))
                .clone()
        };
        match e["ph"].as_str() {
            Some("X") => {
                let dur = e["dur"].as_f64().unwrap_or_else(|| panic!("no dur in {e}"));
                assert!(dur.is_finite() && dur >= 0.0, "a bad dur in {e}");
                // Edges to the nanosecond, as the writers round them: a slice that ends as
                // the next begins must not read back as overlapping it.
                let round = |us: f64| (us * 1e3).round() / 1e3;
                trace.slices.push(Slice {
                    group,
                    track: track(),
                    kind: text_of(e, "cat"),
                    name: text_of(e, "name"),
                    start: round(at),
                    end: round(at + dur),
                });
            }
            Some("i") | Some("I") => trace.moments.push(Moment {
                group,
                track: track(),
                name: text_of(e, "name"),
                at,
            }),
            Some("C") => {
                let args = e["args"].as_object().unwrap_or_else(|| panic!("{e}"));
                let value = args.values().next().and_then(Value::as_f64);
                trace.levels.push(Level {
                    group,
                    name: text_of(e, "name"),
                    at,
                    value: value.unwrap_or_else(|| panic!("a counter with no value: {e}")),
                });
            }
            _ => panic!("an event of an unknown phase: {e}"),
        }
    }
    if let Some(notes) = json["otherData"]["notes"].as_array() {
        trace.notes = notes
            .iter()
            .filter_map(|n| n.as_str().map(String::from))
            .collect();
    }
    trace
}

impl Trace {
    /// The slices of the groups whose name starts with `group`.
    pub fn slices_of(&self, group: &str) -> Vec<&Slice> {
        self.slices
            .iter()
            .filter(|s| s.group.starts_with(group))
            .collect()
    }

    /// The readings of counter `name` in the groups whose name starts with `group`, in time order.
    pub fn levels_of(&self, group: &str, name: &str) -> Vec<&Level> {
        let mut levels: Vec<&Level> = self
            .levels
            .iter()
            .filter(|l| l.group.starts_with(group) && l.name == name)
            .collect();
        levels.sort_by(|a, b| a.at.total_cmp(&b.at));
        levels
    }

    /// From the first slice's start to the last one's end, in microseconds.
    pub fn span(slices: &[&Slice]) -> f64 {
        let start = slices.iter().map(|s| s.start).fold(f64::INFINITY, f64::min);
        let end = slices.iter().map(|s| s.end).fold(0.0, f64::max);
        (end - start).max(0.0)
    }
}

/// The most of `slices` that were in progress at one moment (slices that only touch, one
/// ending as the next starts, do not count as overlapping).
pub fn most_at_once(slices: &[&Slice]) -> usize {
    let mut edges: Vec<(f64, i32)> = Vec::new();
    for s in slices {
        edges.push((s.start, 1));
        edges.push((s.end, -1));
    }
    // Ends before starts at the same instant.
    edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut now, mut most) = (0i32, 0i32);
    for (_, step) in edges {
        now += step;
        most = most.max(now);
    }
    most as usize
}
