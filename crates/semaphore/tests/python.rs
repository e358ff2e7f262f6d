//! Runs the Python twin, when python3 is installed, and checks the same claims, and the
//! one it adds: asyncio creates every task up front, and a stray release() lets 11 in.

mod common;
mod local;

use std::process::Command;

use common::{number, summary};

#[test]
fn the_python_twin_keeps_the_limit_and_shows_the_stray_release() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/semaphore.py");
    let args = ["--requests", "40", "--limit", "4", "--latency-ms", "100"];
    let Ok(out) = Command::new("python3").arg(script).args(args).output() else {
        eprintln!("python3 not found: skipping the Python twin of semaphore");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    local::assert_every_key_is_named_above(&stdout);
    let s = summary(&stdout);
    assert_eq!(number(&s, "peak_semaphore"), 4.0, "{s:?}");
    assert_eq!(number(&s, "peak_buffered"), 4.0, "{s:?}");
    assert_eq!(number(&s, "peak_unlimited"), 40.0, "{s:?}");
    // `async with sem` inside each task: all 40 tasks exist, 36 of them waiting.
    assert_eq!(number(&s, "tasks_semaphore"), 40.0, "{s:?}");
    // One release() without an acquire() raised the limit to 5.
    assert_eq!(number(&s, "available_after"), 5.0, "{s:?}");
    assert!(
        (0.99..4.0).contains(&number(&s, "ratio_semaphore")),
        "{s:?}"
    );
}

/// Ctrl-C in the middle of the run: the twin stops at once, quietly (no traceback), with
/// status 130, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_stops_quietly_on_ctrl_c() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/semaphore.py");
    let after = std::time::Duration::from_millis(300);
    let Some(run) = common::ctrl_c_python(script, &["--latency-ms", "1000"], after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}

/// Starts the twin's server alone, imported from the script, for the test's own clients;
/// it stops when its stdin closes.
const SERVER_ALONE: &str = "import asyncio, importlib.util, sys; \
    spec = importlib.util.spec_from_file_location('twin', sys.argv[1]); \
    twin = importlib.util.module_from_spec(spec); spec.loader.exec_module(twin)
async def main():
    server = await twin.start_server(0.1, twin.Gauge())
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    server.close()
asyncio.run(main())";

#[test]
fn the_python_twin_server_takes_a_burst_of_1000_clients_with_no_listen_overflow() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/semaphore.py");
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
fn the_python_twin_checks_its_requests_against_the_address_space_ahead() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/semaphore.py");
    if common::python_twin().is_none() {
        return;
    }
    let mut sh = Command::new("sh");
    sh.args([
        "-c",
        r#"ulimit -v 300000 && exec python3 "$@""#,
        "sh",
        script,
    ]);
    let out = sh.args(["--requests", "9000"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains("--requests 9000"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "it started the run");
}

#[test]
fn the_python_twin_ends_quietly_on_a_closed_pipe() {
    let Some(mut twin) = common::python_twin() else {
        return;
    };
    twin.args(["--requests", "4", "--limit", "2", "--latency-ms", "5"]);
    // The reader is gone before the twin writes at all: its first write (or flush) fails.
    let (status, stderr) = common::reader_gone_from_the_start(twin);
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn the_python_twins_trace_shows_the_limit_and_every_task_alive() {
    let Some(mut twin) = common::python_twin() else {
        return;
    };
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let args = [
        "--requests",
        "40",
        "--limit",
        "4",
        "--latency-ms",
        "100",
        "--trace",
    ];
    let out = twin.args(args).arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let trace = common::read_trace(&path);
    assert_eq!(trace.groups.len(), 3, "{:?}", trace.groups);
    let most = |group: &str, name: &str| {
        let levels = trace.levels_of(group, name);
        assert!(!levels.is_empty(), "no {name} in {group}");
        levels.iter().map(|l| l.value).fold(0.0, f64::max)
    };
    for group in ["Semaphore", "limit workers"] {
        assert_eq!(most(group, "in flight (server count)"), 4.0, "{group}");
        assert!(
            common::most_at_once(&trace.slices_of(group)) <= 4,
            "{group}"
        );
        assert_eq!(trace.slices_of(group).len(), 40, "{group}");
    }
    // The contrast with Rust: asyncio's tasks all exist at once, waiting for a permit.
    assert_eq!(most("Semaphore", "tasks alive (client)"), 40.0);
    assert!(most("no limit", "in flight (server count)") >= 36.0);
}
