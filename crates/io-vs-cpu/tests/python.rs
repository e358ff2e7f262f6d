//! The Python twin runs to completion, times I/O above the latency, and leaves nothing
//! behind. Skipped (with a message) when python3 is not on PATH.

mod common;
mod local;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn python(args: &[&str], dir: &Path) -> Option<Output> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/io-vs-cpu.py");
    let out = Command::new("python3")
        .arg(script)
        .args(args)
        .current_dir(dir)
        .env("TMPDIR", dir)
        .output();
    if out.is_err() {
        eprintln!("python3 not found on PATH: skipping the Python twin test");
    }
    out.ok()
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("io-vs-cpu-py-test-{}-{tag}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn python_twin_times_the_fetch_above_the_latency() {
    let dir = temp_dir("run");
    let Some(out) = python(&["--latency-ms", "100"], &dir) else {
        return;
    };
    let entries = fs::read_dir(&dir).unwrap().count();
    let _ = fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(entries, 0, "the Python twin left files behind");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with("summary: "), "last line: {last}");
    let s: HashMap<&str, &str> = last["summary: ".len()..]
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let f = |key: &str| -> f64 { s[key].parse().unwrap() };
    local::assert_every_key_is_named_above(&stdout);
    assert!(f("fetch_s") >= 0.1);
    assert!(f("io_share") > 0.5);
    assert_eq!(s["headers"], "11");
    assert_eq!(s["ideal_s"], "0.100");
}

#[test]
fn python_twin_reports_an_unwritable_out_in_one_line() {
    let dir = temp_dir("err");
    let Some(out) = python(
        &["--latency-ms", "0", "--out", "/nonexistent-dir/x.txt"],
        &dir,
    ) else {
        return;
    };
    let _ = fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "));
}

/// Ctrl-C in the middle of the run: the twin stops at once, quietly (no traceback), with
/// status 130, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_stops_quietly_on_ctrl_c() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/io-vs-cpu.py");
    let after = std::time::Duration::from_millis(300);
    let Some(run) = common::ctrl_c_python(script, &["--latency-ms", "5000"], after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}

/// Starts the twin's embedded server alone, imported from the script, for the test's own
/// clients; it stops when its stdin closes.
const SERVER_ALONE: &str = "import importlib.util, sys; \
    spec = importlib.util.spec_from_file_location('twin', sys.argv[1]); \
    twin = importlib.util.module_from_spec(spec); spec.loader.exec_module(twin); \
    server = twin.start_server(0.1); print(server.server_address[1], flush=True); \
    sys.stdin.read(); server.shutdown(); server.server_close()";

#[test]
fn python_twin_server_takes_a_burst_of_1000_clients_with_no_listen_overflow() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/io-vs-cpu.py");
    if common::python_twin().is_none() {
        return;
    }
    let mut server = Command::new("python3")
        .args(["-c", SERVER_ALONE, script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let (addr, pid) = (format!("127.0.0.1:{}", port.trim()), server.id());
    local::burst::assert_a_clean_burst(&addr, 1000, common::listen_overflows, Some(pid));
    drop(server.stdin.take()); // the server stops
    assert!(server.wait().unwrap().success());
}

#[test]
fn the_python_twin_ends_quietly_on_a_closed_pipe() {
    let Some(mut twin) = common::python_twin() else {
        return;
    };
    twin.args(["--latency-ms", "0", "--out", "/dev/null"]);
    // The reader is gone before the twin writes at all: its first write (or flush) fails.
    let (status, stderr) = common::reader_gone_from_the_start(twin);
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn the_python_twins_trace_labels_the_same_four_steps() {
    let Some(mut twin) = common::python_twin() else {
        return;
    };
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let out = twin
        .args(["--latency-ms", "100", "--trace"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let trace = common::read_trace(&path);
    let kinds: Vec<&str> = trace.slices.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(kinds, ["I/O", "CPU", "CPU", "I/O"], "{:?}", trace.slices);
    let fetch = &trace.slices[0];
    assert!(fetch.name.starts_with("fetch") && fetch.end - fetch.start >= 100_000.0);
    assert_eq!(trace.tracks.len(), 1);
}
