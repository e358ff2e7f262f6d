//! Runs the Python twin, when python3 is installed, and checks the same claims and the
//! same manners: quiet on a closed pipe, one error line on a full disk, and a Ctrl-C that
//! stops it with status 130, no traceback and no process left.

mod common;

use std::time::Duration;

use common::{first_line_then_close, number, python_twin, summary};

const SMALL: [&str; 8] = [
    "--children",
    "4",
    "--lines",
    "3",
    "--every-ms",
    "30",
    "--timeout-ms",
    "200",
];

#[test]
fn the_python_twin_shows_the_same_children_timeout_and_full_pipe() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    let out = twin.args(SMALL).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let s = summary(&stdout);
    assert_eq!((s["children"].as_str(), s["lines"].as_str()), ("4", "12"));
    assert!(number(&s, "switches") >= 5.0, "{stdout}");
    let (total, slowest, sum) = (
        number(&s, "total_s"),
        number(&s, "slowest_s"),
        number(&s, "sum_s"),
    );
    assert!(
        total >= slowest && total < slowest + 0.3 && total < sum * 0.7,
        "{stdout}"
    );
    assert_eq!(s["hung_timed_out"], "yes");
    assert_eq!(s["hung_status"], "SIGKILL");
    assert_eq!(s["hung_gone"], "yes");
    assert_eq!(s["children_left"], "0");
    assert_eq!(s["stuck_timed_out"], "yes");
    assert_eq!(s["fixed_timed_out"], "no");
    assert_eq!(s["fixed_bytes"], "1048576");
    // The child blocked past the pipe's size: asyncio reads ahead into a buffer of its own.
    let (buffer, written) = (number(&s, "pipe_buffer"), number(&s, "stuck_written"));
    assert!(written >= buffer && written < 1048576.0, "{stdout}");
}

#[test]
fn the_python_twins_trace_shows_the_children_side_by_side() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let out = twin.args(SMALL).arg("--trace").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let trace = common::read_trace(&path);
    let runs: Vec<&common::Slice> = trace
        .slices_of("4 children at once")
        .into_iter()
        .filter(|s| s.kind == "runs")
        .collect();
    assert_eq!(runs.len(), 4);
    assert_eq!(common::most_at_once(&runs), 4);
    let blocked = trace
        .slices_of("the full pipe")
        .into_iter()
        .filter(|s| s.kind == "blocked in write")
        .count();
    assert_eq!(blocked, 1);
}

#[test]
fn the_python_twin_ends_quietly_on_a_closed_pipe() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    twin.args(SMALL);
    let (line, status, stderr) = first_line_then_close(twin);
    assert!(line.starts_with("1. 4 children"), "{line}");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
    let Some(mut twin) = python_twin() else {
        return;
    };
    twin.args(SMALL);
    let (status, stderr) = common::reader_gone_from_the_start(twin);
    assert!(status.success() && stderr.is_empty(), "{status}: {stderr}");
}

#[cfg(target_os = "linux")]
#[test]
fn the_python_twin_gives_one_error_line_on_a_full_disk() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    twin.args(SMALL);
    common::assert_one_error_line_on_a_full_disk(twin);
}

/// Ctrl-C while the children run: the twin and every child stop, nothing is left.
#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_stops_the_python_twin_cleanly() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/subprocesses.py");
    let args = ["--children", "3", "--lines", "100", "--every-ms", "50"];
    let Some(run) = common::ctrl_c_python(script, &args, Duration::from_millis(500)) else {
        return;
    };
    assert!(!run.hung && !run.ended_first, "{run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "{run:?}");
}
