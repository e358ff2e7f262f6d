//! Runs the Python twin (python/cancellation.py), when python3 is installed, and checks
//! its counts exactly. Skipped, saying so, without python3.

mod common;
mod local;

use common::{first_line_then_close, number, python_twin, reader_gone_from_the_start, summary};

#[test]
fn the_python_twin_cancels_at_the_await_and_its_finally_may_await() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    let out = twin
        .args(["--work-ms", "500", "--timeout-ms", "20"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    local::assert_every_key_is_named_above(&stdout);
    let s = summary(&stdout);
    // The same words as Rust's, except that a timeout on a task cancels it; the counts
    // behind them in the table: (started, completed, cleanup ran before the end).
    let case = |key: &str, word: &str, counted: (u32, u32, u32)| {
        assert_eq!(s[key], word, "{key}: {s:?}");
        assert_eq!(local::counts(&stdout, key), counted, "{key}:\n{stdout}");
    };
    case("timeout_future", "cancelled", (1, 0, 1));
    case("timeout_task", "cancelled", (1, 0, 1));
    case("timeout_handle", "finished", (1, 1, 0));
    case("abort", "cancelled", (1, 0, 1));
    case("abort_blocking", "finished", (1, 1, 0));
    case("never_awaited", "never_ran", (0, 0, 0));
    case("spawned", "finished", (1, 1, 0));
    case("detached", "finished", (1, 1, 0));
    // What the caller got, in Python's words: cancelling a to_thread task raises in the
    // caller, though the thread runs on.
    for (key, got) in [
        ("timeout_future", "TimeoutError"),
        ("timeout_task", "TimeoutError"),
        ("timeout_handle", "TimeoutError"),
        ("abort", "CancelledError"),
        ("abort_blocking", "CancelledError"),
    ] {
        let row = local::row(&stdout, key);
        assert!(row.split_whitespace().any(|w| w == got), "{got}: {row}");
    }
    // Three cancelled coroutines awaited inside their finally: Rust's Drop cannot.
    assert_eq!(number(&s, "cleanup_awaited"), 3.0, "{s:?}");
}

#[test]
fn the_python_twin_ends_quietly_on_a_closed_pipe() {
    // Line by line (PYTHONUNBUFFERED=1, as a terminal has it), so the twin still writes
    // after the reader has gone; then with the reader gone before the first write.
    let Some(mut twin) = python_twin() else {
        return;
    };
    twin.env("PYTHONUNBUFFERED", "1")
        .args(["--work-ms", "40", "--timeout-ms", "5"]);
    let (line, status, stderr) = first_line_then_close(twin);
    assert!(line.starts_with("a job"), "{line}");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
    let Some(mut twin) = python_twin() else {
        return;
    };
    twin.args(["--work-ms", "40", "--timeout-ms", "5"]);
    let (status, stderr) = reader_gone_from_the_start(twin);
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
}

/// Ctrl-C in the middle of the run: the twin stops at once, quietly (no traceback), with
/// status 130, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_stops_quietly_on_ctrl_c() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/cancellation.py");
    let after = std::time::Duration::from_millis(300);
    let Some(run) = common::ctrl_c_python(script, &["--work-ms", "5000"], after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}
