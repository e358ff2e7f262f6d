//! Runs the Python twin, when python3 is installed, and checks the same claims and the
//! same manners: quiet on a closed pipe, one error line on a full disk, and a Ctrl-C that
//! stops it with status 130, no traceback and no process left.

mod common;

use std::time::Duration;

use common::{first_line_then_close, number, python_twin, summary};

#[test]
fn the_python_twin_sleeps_at_least_as_long() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    let out = twin.args(["--delay-ms", "50"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = summary(&String::from_utf8(out.stdout).unwrap());
    assert!(number(&s, "slept_s") >= 0.050);
}

#[test]
fn the_python_twins_trace_shows_the_same_sleep() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let out = twin
        .args(["--delay-ms", "50", "--trace"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sleeps = common::read_trace(&path).slices_of("one sleep").len();
    assert_eq!(sleeps, 1);
}

#[test]
fn the_python_twin_ends_quietly_on_a_closed_pipe() {
    let Some(twin) = python_twin() else { return };
    let (line, status, stderr) = first_line_then_close(twin);
    assert!(line.starts_with("sleeping"), "{line}");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
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
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/async-iterators.py");
    let args = ["--delay-ms", "5000"];
    let Some(run) = common::ctrl_c_python(script, &args, Duration::from_millis(300)) else {
        return;
    };
    assert!(!run.hung && !run.ended_first, "{run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "{run:?}");
}
