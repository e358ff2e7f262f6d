//! Runs the Python twin, if python3 is installed, and checks its summary line's claims.

mod common;

use std::path::Path;
use std::process::Command;

fn python(args: &[&str]) -> Option<std::process::Output> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/fork-process.py");
    match Command::new("python3").arg(script).args(args).output() {
        Ok(out) => Some(out),
        Err(_) => {
            println!("python3 not found on PATH: skipping the Python twin's test");
            None
        }
    }
}

#[test]
fn python_twin_forks_sums_and_reaps() {
    let Some(out) = python(&["--children", "3", "--size", "30000"]) else {
        return;
    };
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "python exited {:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let last = stdout.lines().last().expect("some output");
    assert!(last.starts_with("summary: "), "{last}");
    for claim in [
        "children=3",
        "child_ppid_matches=true",
        "memory_separate=true",
        "thread_write_seen=true",
        "results_equal=true",
        "children_left=0",
        "ideal_s=0.000",
    ] {
        assert!(
            last.split_whitespace().any(|kv| kv == claim),
            "{claim} in {last}"
        );
    }
    // Both costs were measured, and the speedup is against the sequential CPU time, so
    // it never passes the cores the children kept busy (plus rounding).
    let get = |key: &str| -> f64 {
        last.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or_else(|| panic!("no {key} in {last}"))
            .parse()
            .unwrap()
    };
    assert!(
        get("thread_start_join_us") > 0.0 && get("fork_reap_us") > 0.0,
        "{last}"
    );
    // At this size the children's CPU time can round to 0.000 s, so cores_busy may read 0.
    assert!(get("speedup") > 0.0 && get("cores_busy") >= 0.0, "{last}");
}

#[test]
fn python_twin_reports_a_failing_child_and_exits_1() {
    let Some(out) = python(&["--children", "3", "--size", "30000", "--fail-child", "2"]) else {
        return;
    };
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: child 2 "), "{stderr}");
}

/// Ctrl-C in the middle of the run: the twin stops at once, quietly (no traceback), with
/// status 130, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_stops_quietly_on_ctrl_c() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/fork-process.py");
    let after = std::time::Duration::from_millis(300);
    let Some(run) = common::ctrl_c_python(script, &["--size", "300000000"], after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}
