//! Runs the Python twin, when python3 is installed, and checks the same claims and the
//! same manners: quiet on a closed pipe, one error line on a full disk, and a Ctrl-C that
//! stops it with status 130, no traceback and no process left.

mod common;

use std::time::Duration;

use common::{first_line_then_close, number, python_twin, summary};

const SMALL: [&str; 6] = ["--deadline-ms", "200", "--work-ms", "20", "--rounds", "3"];

#[test]
fn the_python_twin_shows_the_same_deadlock_and_fixes() {
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
    assert_eq!(s["stuck"], "2", "{stdout}");
    assert_eq!(s["cycle"], "yes", "{stdout}");
    if cfg!(target_os = "linux") {
        assert_eq!(s["state"], "S", "{stdout}");
        assert!(number(&s, "cpu_ticks") <= 2.0, "{stdout}");
        assert_eq!(s["async_threads"], "1", "{stdout}");
    }
    assert_eq!(number(&s, "children_left"), 0.0);
    assert!(
        stdout.contains("the child: killed (SIGKILL), reaped"),
        "{stdout}"
    );
    assert_eq!(
        (s["ordered_done"].as_str(), s["ordered_stuck"].as_str()),
        ("yes", "0")
    );
    assert_eq!(
        (s["trylock_done"].as_str(), s["trylock_stuck"].as_str()),
        ("yes", "0")
    );
    assert!(number(&s, "backoffs") >= 1.0, "{stdout}");
    assert_eq!(s["async_timed_out"], "yes");
    assert!(number(&s, "heartbeats") >= 5.0, "{stdout}");
    assert_eq!(s["fixed_timed_out"], "no");
}

#[test]
fn the_python_twins_trace_shows_the_cycle() {
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
    let named = |group: &str, name: &str| {
        let slices = trace.slices_of(group);
        slices
            .into_iter()
            .filter(|s| s.name == name)
            .cloned()
            .collect::<Vec<_>>()
    };
    let (one, two) = (
        named("opposite order", "holds A, waits for B"),
        named("opposite order", "holds B, waits for A"),
    );
    assert_eq!((one.len(), two.len()), (1, 1), "{trace:?}");
    let overlap = one[0].end.min(two[0].end) - one[0].start.max(two[0].start);
    assert!(overlap >= 200e3, "they waited together {overlap} us");
    let both = named("one order", "holds A and B");
    assert_eq!(both.len(), 6);
    assert_eq!(common::most_at_once(&both.iter().collect::<Vec<_>>()), 1);
}

#[test]
fn the_python_twin_ends_quietly_on_a_closed_pipe() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    twin.args(SMALL);
    let (line, status, stderr) = first_line_then_close(twin);
    assert!(line.starts_with("deadlock"), "{line}");
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

/// Ctrl-C while the child hangs: the twin and its child both stop, nothing is left.
#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_stops_the_python_twin_cleanly() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/deadlock.py");
    let args = ["--deadline-ms", "5000"];
    let Some(run) = common::ctrl_c_python(script, &args, Duration::from_millis(600)) else {
        return;
    };
    assert!(!run.hung && !run.ended_first, "{run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "{run:?}");
}
