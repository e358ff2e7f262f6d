//! The Python twin runs to completion and its summary line makes the same claims,
//! including a true one-thread asyncio row. Skipped (with a message) when python3 is
//! not on PATH.

mod common;
mod local;

use std::path::Path;

#[test]
fn python_twin_overlaps_the_waits_and_its_async_row_runs_on_one_thread() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/io-bound.py");
    let args = ["--requests", "12", "--latency-ms", "100", "--pool", "4"];
    let Ok(out) = local::command("python3").arg(&script).args(args).output() else {
        eprintln!("python3 not found on PATH: skipping the Python twin test");
        return;
    };
    assert!(out.status.success(), "{}", local::stderr(&out));
    local::assert_every_key_is_named_above(&out);
    let s = local::figures_of(&out);
    let f = |key: &str| common::number(&s, key);
    let seq = f("sequential_s");
    assert!(seq >= 1.2);
    assert!(
        f("threads_s") < seq / 3.0,
        "threads {} vs {seq}",
        f("threads_s")
    );
    assert!(f("async_s") < seq / 3.0, "async {} vs {seq}", f("async_s"));
    // asyncio.to_thread's default executor has min(32, cores + 4) threads: 2+ rounds here.
    assert!(f("threads_behind_async_s") < seq / 2.0);
    assert!(f("blocked_async_s") >= 0.7 * seq);
    assert_eq!(s["all_ok"], "true");
    assert_eq!(s["served"], "72");
    assert_eq!(s["peak_sequential"], "1");
    assert_eq!(s["peak_blocked_async"], "1");
    assert!(f("peak_async") >= 9.0, "peak_async {}", s["peak_async"]);
    assert!(
        f("peak_threads") >= 2.0,
        "peak_threads {}",
        s["peak_threads"]
    );
    assert_eq!(s["threads_async"], "1");
    assert!(f("threads_threads_behind_async") >= 3.0);
}

/// Ctrl-C in the middle of the run: the twin stops at once, quietly (no traceback), with
/// status 130, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_stops_quietly_on_ctrl_c() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/io-bound.py");
    let after = std::time::Duration::from_millis(500);
    let Some(run) = common::ctrl_c_python(script, &[], after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}

/// Starts the twin's embedded server (its SlowSite) alone, as a module imported from the
/// script, for clients of the test's own; it stops when its stdin closes.
const SITE_ALONE: &str = "import importlib.util, sys; \
    spec = importlib.util.spec_from_file_location('twin', sys.argv[1]); \
    twin = importlib.util.module_from_spec(spec); spec.loader.exec_module(twin); \
    site = twin.SlowSite(0.1); print(site.port, flush=True); sys.stdin.read(); site.close()";

#[test]
fn python_twin_server_takes_a_burst_of_1000_clients_with_no_listen_overflow() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/io-bound.py");
    let Some(_) = common::python_twin() else {
        return;
    };
    let mut site = Command::new("python3")
        .args(["-c", SITE_ALONE, script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = String::new();
    BufReader::new(site.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let (addr, pid) = (format!("127.0.0.1:{}", port.trim()), site.id());
    local::burst::assert_a_clean_burst(&addr, 1000, common::listen_overflows, Some(pid));
    drop(site.stdin.take()); // the site stops
    assert!(site.wait().unwrap().success());
}

#[test]
fn python_twin_checks_its_threads_against_the_address_space_ahead() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/io-bound.py");
    let Some(_) = common::python_twin() else {
        return;
    };
    let mut sh = local::command("sh");
    sh.args([
        "-c",
        r#"ulimit -v 300000 && exec python3 "$@""#,
        "sh",
        script,
    ]);
    let out = sh.args(["--requests", "1000"]).output().unwrap();
    let err = local::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: the threads row would start 1000 threads (--requests 1000)")
            && err.contains("ulimit -v"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "it started the run");
}

#[test]
fn the_python_twin_ends_quietly_on_a_closed_pipe() {
    let Some(mut twin) = common::python_twin() else {
        return;
    };
    twin.args(["--requests", "2", "--latency-ms", "0"]);
    // The reader is gone before the twin writes at all: its first write (or flush) fails.
    let (status, stderr) = common::reader_gone_from_the_start(twin);
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn the_python_twins_trace_shows_the_same_overlaps() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/io-bound.py");
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let args = [
        "--requests",
        "12",
        "--latency-ms",
        "100",
        "--pool",
        "4",
        "--trace",
    ];
    let Ok(out) = local::command("python3")
        .arg(&script)
        .args(args)
        .arg(&path)
        .output()
    else {
        eprintln!("python3 not found on PATH: skipping the Python twin's trace test");
        return;
    };
    assert!(out.status.success(), "{}", local::stderr(&out));
    let trace = common::read_trace(&path);
    assert_eq!(
        trace.groups.len(),
        6,
        "one group per row: {:?}",
        trace.groups
    );
    let of = |group: &str| -> Vec<_> { trace.slices.iter().filter(|s| s.group == group).collect() };
    for group in &trace.groups {
        assert_eq!(of(group).len(), 12, "{group}: one slice per request");
    }
    for group in ["sequential", "async mistake: blocking call"] {
        assert_eq!(common::most_at_once(&of(group)), 1, "{group}");
    }
    for group in ["threads (one per request)", "async: asyncio streams"] {
        assert!(common::most_at_once(&of(group)) >= 9, "{group}");
        let levels = trace.levels_of(group, "requests in flight");
        let most = levels.iter().map(|l| l.value).fold(0.0, f64::max);
        assert!(most >= 9.0, "{group}: {most}");
    }
    let tracks = |group: &str| trace.tracks.iter().filter(|(g, _)| g == group).count();
    assert_eq!(tracks("sequential"), 1);
    assert_eq!(tracks("async: asyncio streams"), 12);
}
