//! Runs the Python twin, when python3 is installed, and checks the same claims.

mod common;
mod local;

use common::{python_twin, summary};
use local::{SCENARIO, assert_backpressure};

#[test]
fn the_python_twin_shows_the_same_backpressure() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    let out = twin.args(SCENARIO).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_backpressure(&summary(&stdout));
    local::assert_every_key_is_named_above(&stdout);
}

/// Ctrl-C in the middle of the run: the twin stops at once, quietly (no traceback), with
/// status 130, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_stops_quietly_on_ctrl_c() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/queue-backpressure.py");
    let after = std::time::Duration::from_millis(300);
    let Some(run) = common::ctrl_c_python(script, &["--work-ms", "200"], after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}

/// `twin | head` with the reader gone before the twin writes at all: quiet, status 0.
#[test]
fn the_python_twin_ends_quietly_on_a_closed_pipe() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    twin.args([
        "--items",
        "20",
        "--work-ms",
        "1",
        "--throughput-items",
        "100",
    ]);
    let (status, stderr) = common::reader_gone_from_the_start(twin);
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
}
