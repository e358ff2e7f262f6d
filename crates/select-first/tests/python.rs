//! Runs the Python twin, when python3 is installed: the same scenario and summary keys,
//! with asyncio's differences measured (the losers run on until cancelled by hand, tasks
//! no longer waited for and gather's other tasks finish, a TaskGroup cancels like
//! try_join!), and the same certain loss.

mod common;
mod local;

use common::{first_line_then_close, number, python_twin, reader_gone_from_the_start, summary};

#[test]
fn the_python_twin_counts_what_asyncio_does() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    let out = twin
        .args(["--delay-ms", "100", "--messages", "30"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    local::assert_every_key_is_named_above(&stdout);
    let has = |line: &str| stdout.lines().any(|l| l.trim_start().starts_with(line));
    let s = summary(&stdout);
    assert_eq!(s["first_ms"], "100");
    let first = number(&s, "first_elapsed_s");
    assert!((0.098..0.25).contains(&first), "{first}");
    // wait() leaves the losers running; cancelled by hand, they clean up and never finish.
    assert_eq!(s["losers_running"], "2");
    assert_eq!(s["losers_cleanup"], "2");
    assert_eq!(s["losers_finished"], "0");
    let line = "results, in the order as_completed yielded them: 100,200,300 ms;";
    assert!(has(line), "{stdout}");
    assert_eq!(s["in_completion_order"], "true");
    // Tasks no longer waited for run to the end (a set keeps them until they are done).
    assert!(
        has("2 tasks were still running when we stopped waiting"),
        "{stdout}"
    );
    assert_eq!(s["set_aborted"], "0");
    assert_eq!(s["set_finished"], "2");
    // A TaskGroup cancels the others at the first error, as try_join! drops them...
    let line = "the TaskGroup raised RuntimeError('failed after 100 ms') after";
    assert!(has(line), "{stdout}");
    let error = number(&s, "try_join_error_s");
    assert!((0.098..0.25).contains(&error), "{error}");
    assert_eq!(s["try_join_cleanup"], "2");
    assert_eq!(s["try_join_finished"], "0");
    // ...and gather raises the same error but lets them run to the end.
    assert!(
        has("the others: cleanup ran 0, finished 2 (gather_finished)"),
        "{stdout}"
    );
    assert_eq!(s["gather_finished"], "2");
    assert_eq!(s["messages"], "30");
    assert_eq!(s["lossy_lost"], "10");
    assert_eq!(s["safe_lost"], "0");
    // Parts 1, 3, 4 and gather's contrast wait 3.5 units each, part 2 three.
    assert_eq!(s["ideal_s"], "1.700");
}

#[test]
fn the_python_twin_ends_quietly_on_a_closed_pipe() {
    // Line by line (PYTHONUNBUFFERED=1, as a terminal has it), so the twin still writes
    // after the reader has gone.
    let Some(mut twin) = python_twin() else {
        return;
    };
    twin.env("PYTHONUNBUFFERED", "1").args(["--delay-ms", "20"]);
    let (line, status, stderr) = first_line_then_close(twin);
    assert!(line.starts_with("1. asyncio.wait"), "{line}");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
    let Some(mut twin) = python_twin() else {
        return;
    };
    twin.args(["--delay-ms", "20"]);
    let (status, stderr) = reader_gone_from_the_start(twin);
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
}

/// Ctrl-C in the middle of the run: the twin stops at once, quietly (no traceback), with
/// status 130, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_stops_quietly_on_ctrl_c() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/select-first.py");
    let after = std::time::Duration::from_millis(300);
    let Some(run) = common::ctrl_c_python(script, &["--delay-ms", "2000"], after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}
