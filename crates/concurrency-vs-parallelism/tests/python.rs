//! Runs the Python twin, when python3 is installed, with small parameters, and checks the
//! claims its summary line makes (wide margins: CPython is slow and the machine may be busy).

mod common;

use std::process::Command;

use common::{number, summary};

#[test]
fn python_twin_bakes_the_same_cakes() {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/concurrency-vs-parallelism.py"
    );
    let args = [
        script,
        "--work-ms",
        "20",
        "--oven-ms",
        "200",
        "--steps",
        "2",
    ];
    let Ok(out) = Command::new("python3").args(args).output() else {
        println!("python3 not found: skipped the Python twin of concurrency-vs-parallelism");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = summary(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(s["results_equal"], "true");
    // The GIL: two threads of pure-Python mixing never get more than one core's worth of CPU.
    let gil = number(&s, "cores_mixing_two_bakers");
    assert!(
        gil < 1.5,
        "two Python threads mixed with {gil} cores' worth of CPU"
    );
    // The same keys as the Rust side's, plus the processes' cores' worth.
    for key in [
        "cores",
        "overlap_s_two_bakers",
        "cores_mixing_two_procs",
        "ideal_s",
    ] {
        assert!(s.contains_key(key), "no {key}");
    }
    let line = String::from_utf8_lossy(&out.stdout);
    let last = line.lines().last().unwrap();
    assert!(last.len() <= 320, "{} characters: {last}", last.len());
    // Part two, pinned to one core (Linux): concurrency still hides the ovens, and two
    // threads' mixing gets one core's worth at most.
    if cfg!(target_os = "linux") {
        let one_core = number(&s, "one_baker_1core_s");
        assert!(one_core < 0.75 * number(&s, "sequential_s"), "{one_core}");
        assert!(number(&s, "cores_mixing_two_bakers_1core") <= 1.15);
        assert!(number(&s, "overlap_s_two_bakers_1core") > 0.0);
    }
    // Four 200 ms ovens back to back take 0.8 s; one baker overlaps them in pairs.
    let (sequential, one_baker) = (number(&s, "sequential_s"), number(&s, "one_baker_s"));
    assert!(sequential >= 0.8, "sequential took {sequential} s");
    assert!(
        one_baker < 0.75 * sequential,
        "one baker {one_baker} s vs sequential {sequential} s"
    );
}

/// `twin | head`: the reader is gone before the twin writes its first line (our end of
/// the pipe is closed right after the start). It must end quietly, status 0.
#[test]
fn python_twin_ends_quietly_on_a_closed_pipe() {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/concurrency-vs-parallelism.py"
    );
    let Ok(mut child) = Command::new("python3")
        .arg(script)
        .args(["--work-ms", "20", "--oven-ms", "20", "--steps", "1"])
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
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/concurrency-vs-parallelism.py"
    );
    let after = std::time::Duration::from_millis(300);
    let Some(run) = common::ctrl_c_python(script, &[], after) else {
        return;
    };
    assert!(!run.ended_first, "the run ended before the signal: {run:?}");
    assert!(!run.hung, "it did not stop within 10 s of Ctrl-C: {run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "processes of its group still running: {run:?}");
}
