//! Runs the Python twin, when python3 is installed, and checks the same claims and the
//! same manners: quiet on a closed pipe, one error line on a full disk, and a Ctrl-C that
//! stops it with status 130, no traceback and no process left.

mod common;

use std::time::Duration;

use common::{first_line_then_close, number, python_twin, summary};

const SMALL: [&str; 10] = [
    "--waiters",
    "50",
    "--late",
    "8",
    "--updates",
    "500",
    "--parties",
    "4",
    "--stagger-ms",
    "40",
];

#[test]
fn the_python_twin_counts_the_same() {
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
    assert_eq!(s["released"], "50", "{stdout}");
    assert_eq!(
        (s["edge_woke"].as_str(), s["permit_woke"].as_str()),
        ("0", "1"),
        "{stdout}"
    );
    assert_eq!(s["level_woke"], "8", "{stdout}");
    assert!((1.0..250.0).contains(&number(&s, "seen")), "{stdout}");
    assert_eq!(s["latest_ok"], "yes");
    assert_eq!(s["leaders"], "1");
    assert!(number(&s, "arrive_spread_ms") >= 115.0, "{stdout}");
    assert!(number(&s, "release_spread_ms") < 20.0, "{stdout}");
}

#[test]
fn the_python_twins_trace_shows_the_barrier_releasing_together() {
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
    let ends: Vec<f64> = trace
        .slices_of("a barrier")
        .iter()
        .filter(|s| s.kind == "waits")
        .map(|s| s.end)
        .collect();
    assert_eq!(ends.len(), 4);
    let spread = ends.iter().cloned().fold(f64::MIN, f64::max)
        - ends.iter().cloned().fold(f64::MAX, f64::min);
    assert!(spread < 20e3, "{ends:?}");
}

#[test]
fn the_python_twin_ends_quietly_on_a_closed_pipe() {
    let Some(twin) = python_twin() else { return };
    let (line, status, stderr) = first_line_then_close(twin);
    assert!(line.starts_with("1. one event"), "{line}");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
    let Some(twin) = python_twin() else { return };
    let (status, stderr) = common::reader_gone_from_the_start(twin);
    assert!(status.success() && stderr.is_empty(), "{status}: {stderr}");
}

#[cfg(target_os = "linux")]
#[test]
fn the_python_twin_gives_one_error_line_on_a_full_disk() {
    let Some(twin) = python_twin() else { return };
    common::assert_one_error_line_on_a_full_disk(twin);
}

#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_stops_the_python_twin_cleanly() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/events.py");
    let args = ["--parties", "20", "--stagger-ms", "500"];
    let Some(run) = common::ctrl_c_python(script, &args, Duration::from_millis(600)) else {
        return;
    };
    assert!(!run.hung && !run.ended_first, "{run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "{run:?}");
}
