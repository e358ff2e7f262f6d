//! Runs the Python twin, if python3 is installed, and checks its summary line's claims.

mod common;
mod local;

use std::path::Path;
use std::process::Command;

#[test]
fn python_twin_counts_threads_the_same_way() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/process-thread-identity.py");
    let out = match Command::new("python3")
        .arg(&script)
        .args(["--threads", "3"])
        .output()
    {
        Ok(out) => out,
        Err(_) => {
            println!("python3 not found on PATH: skipping the Python twin's test");
            return;
        }
    };
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "python exited {:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = common::summary(&stdout);
    let get = |key: &str| common::number(&summary, key) as u64;
    let before = get("threads_before");
    assert_eq!(get("threads_during"), before + 3, "{stdout}");
    assert_eq!(get("threads_after"), before, "{stdout}");
    assert!(stdout.contains("worker-1"), "{stdout}");
}

/// `twin | head`: the reader is gone before the twin writes its first line (our end of
/// the pipe is closed right after the start). It must end quietly, status 0.
#[test]
fn python_twin_ends_quietly_on_a_closed_pipe() {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/process-thread-identity.py"
    );
    let Ok(mut child) = Command::new("python3")
        .arg(script)
        .args(["--threads", "3"])
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

#[cfg(target_os = "linux")]
#[test]
fn python_twin_gives_one_error_line_on_a_full_disk() {
    if let Some(mut twin) = common::python_twin() {
        twin.args(["--threads", "3"]);
        common::assert_one_error_line_on_a_full_disk(twin);
    }
}

/// The twin checks ahead as the Rust side does, and a start that fails later (Python's
/// "can't start new thread") is one line too, not a traceback and a hang.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_refuses_more_threads_than_the_memory_limit_holds() {
    if common::python_twin().is_none() {
        return;
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/process-thread-identity.py"
    );
    let out = local::under_a_memory_limit("python3", &[script, "--threads", "10000"]);
    local::assert_one_error_line(&out, &["--threads 10000", "ulimit -v 300000"]);
    assert!(out.stdout.is_empty(), "it started before refusing");
    let out = local::under_a_memory_limit("python3", &[script, "--threads", "120"]);
    local::assert_one_error_line(&out, &["--threads", "ulimit -v"]);
}

/// Ctrl-C while thousands of workers start or wait at the barrier: the twin stops at once,
/// quietly (no traceback), with status 130; its daemon workers do not keep it alive.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_stops_quietly_on_ctrl_c() {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/process-thread-identity.py"
    );
    let after = std::time::Duration::from_millis(300);
    let Some(run) = common::ctrl_c_python(script, &["--threads", "5000"], after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}
