//! Runs the Python twin (python/sockets.py) with small parameters, when python3 is on PATH,
//! and checks its summary line makes the same claims as the Rust program's.

mod common;
mod local;

use std::path::Path;
use std::process::Command;

#[test]
fn python_twin_shows_the_same_claims() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/sockets.py");
    let args = [
        "--clients",
        "8",
        "--delay-ms",
        "100",
        "--read-timeout-ms",
        "100",
    ];
    let out = match Command::new("python3").arg(&script).args(args).output() {
        Ok(out) => out,
        Err(e) => {
            println!("python3 not runnable ({e}): skipping the Python twin test");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = stdout.lines().last().unwrap_or_default();
    local::assert_every_key_is_named_above(&stdout);
    let s = common::summary(&stdout);
    let num = |k: &str| -> f64 {
        s.get(k)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no number {k} in {last}"))
    };

    assert!(num("wouldblock_us") < 50_000.0, "{last}");
    assert!(num("blocking_wait_ms") >= 90.0, "{last}");
    assert_eq!(s["echoed"], "16", "{last}");
    // 8 clients x 100 ms: one after another (>= 0.8 x K x D) vs all at once (< 0.5 x K x D).
    assert!(num("blocking_s") >= 0.8 * 0.8, "{last}");
    assert!(num("nonblocking_s") < 0.5 * 0.8, "{last}");
}

#[test]
fn python_twin_bad_flag_exits_2() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/sockets.py");
    match Command::new("python3")
        .arg(&script)
        .args(["--clients", "0"])
        .output()
    {
        Ok(out) => assert_eq!(out.status.code(), Some(2)),
        Err(e) => println!("python3 not runnable ({e}): skipping"),
    }
}

/// Ctrl-C in the middle of the run: the twin stops at once, quietly (no traceback), with
/// status 130, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_stops_quietly_on_ctrl_c() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/sockets.py");
    let after = std::time::Duration::from_millis(300);
    let Some(run) = common::ctrl_c_python(script, &["--delay-ms", "3000"], after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}
