//! Runs the Python twin, when python3 is installed, and checks its claims: the process
//! pool keeps input order and gives the sequential results for the 40 filtered items.
//! Skipped, with a message, when python3 is missing.

mod common;

use std::process::Command;

use common::summary;

#[test]
fn python_twin_keeps_order_and_results() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/parallel-map.py");
    let args = [
        script,
        "--n-jobs",
        "4",
        "--item-ms",
        "2",
        "--tiny-reps",
        "3",
    ];
    let Ok(out) = Command::new("python3").args(args).output() else {
        eprintln!("python3 not found: skipping the Python twin of parallel-map");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    let s = summary(&stdout);
    assert_eq!(s["items"], "40", "{stdout}");
    assert_eq!(s["order_kept"], "true", "{stdout}");
    assert_eq!(s["results_equal"], "true", "{stdout}");
    // One GIL: the thread pool's threads take turns, so it finishes no sooner than the
    // sequential thread's own CPU time (the base of the twin's speedups, as in Rust).
    let threads: f64 = s["speedup_threads"].parse().unwrap();
    assert!(
        threads <= 1.3,
        "GIL-bound threads sped up {threads}x: {stdout}"
    );
    assert!(
        stdout.contains("items came back as  b = 3 4 8 9 13 14 "),
        "{stdout}"
    );
}

/// `twin | head`: the reader is gone before the twin writes its first line (our end of
/// the pipe is closed right after the start). It must end quietly, status 0.
#[test]
fn python_twin_ends_quietly_on_a_closed_pipe() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/parallel-map.py");
    let Ok(mut child) = Command::new("python3")
        .arg(script)
        .args(["--item-ms", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        eprintln!("python3 not found on PATH: skipping the Python twin test");
        return;
    };
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// Ctrl-C in the middle of the run: the twin stops at once, quietly (no traceback), with
/// status 130, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_stops_quietly_on_ctrl_c() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/parallel-map.py");
    let after = std::time::Duration::from_millis(300);
    let Some(run) = common::ctrl_c_python(script, &["--item-ms", "100"], after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}
