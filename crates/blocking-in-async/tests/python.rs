//! Runs the Python twin (python/blocking-in-async.py), when python3 is installed, and
//! checks that it makes the same claims. Skipped, saying so, without python3.

mod common;
mod local;

use std::process::Command;

use common::{first_line_then_close, number, processes_in_group, python_twin, summary};

#[test]
fn the_python_twin_blocks_its_one_thread_and_to_thread_frees_it() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/blocking-in-async.py");
    let args = [
        script,
        "--tasks",
        "2",
        "--block-ms",
        "200",
        "--workers",
        "2",
    ];
    let Ok(out) = Command::new("python3").args(args).output() else {
        eprintln!("python3 not found: skipping the Python twin of blocking-in-async");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    local::assert_every_key_is_named_above(&stdout);
    let s = summary(&stdout);
    let (tasks, block_ms) = (number(&s, "tasks"), number(&s, "block_ms"));
    // The event loop is one thread: blocking coroutines run one after another, and the
    // heartbeat waits for them.
    assert!(number(&s, "current_sleep_x") >= tasks - 0.01, "{s:?}");
    assert!(number(&s, "current_cpu_x") >= tasks * 0.95, "{s:?}");
    for key in ["current_sleep", "current_cpu"] {
        let late = local::late_ms(&stdout, key);
        assert!(late >= block_ms / 2.0, "{key}: {stdout}");
    }
    assert_eq!(
        local::late_ms(&stdout, "current_sleep"),
        number(&s, "current_sleep_late_ms")
    );
    // to_thread and asyncio.sleep overlap the sleeps and leave the loop free.
    for key in ["spawn_blocking", "tokio_sleep"] {
        let x = number(&s, &format!("{key}_x"));
        assert!((0.99..=2.0).contains(&x), "{key}_x={x}: {s:?}");
        assert!(
            number(&s, &format!("{key}_late_ms")) < block_ms / 2.0,
            "{key}: {s:?}"
        );
    }
    // CPU work in threads takes turns under the GIL: no overlap at all.
    if s["gil"] == "true" {
        assert!(number(&s, "to_thread_cpu_x") >= tasks * 0.95, "{s:?}");
    }
    // Processes compute beside the loop, which stays free to tick (up to the OS's
    // scheduling on a busy machine: a small share of what blocking it costs).
    assert!(
        number(&s, "process_pool_x") >= tasks / number(&s, "workers") * 0.95,
        "{s:?}"
    );
    assert!(
        number(&s, "process_pool_late_ms") < local::late_ms(&stdout, "current_cpu") / 4.0,
        "{s:?}"
    );
}

#[test]
fn the_python_twins_pool_workers_die_with_it() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/blocking-in-async.py");
    let args = [script, "--tasks", "2", "--block-ms", "200"];
    // A group of its own, so that what is left of it afterwards can be found.
    let Ok(mut twin) = Command::new("python3")
        .args(args)
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    else {
        eprintln!("python3 not found: skipping the Python twin of blocking-in-async");
        return;
    };
    let group = twin.id();
    // The first row is printed once the process pool's workers have started.
    let mut lines = BufReader::new(twin.stdout.take().unwrap()).lines();
    assert!(
        lines.any(|l| l.unwrap().starts_with("current_sleep ")),
        "the twin ended before its first row"
    );
    // SIGTERM to the twin alone, as `kill <pid>` sends it, not to its process group.
    let killed = Command::new("kill")
        .args(["-TERM", &group.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    twin.wait().unwrap();
    // The workers get SIGKILL from the kernel when their parent dies; allow it a moment.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !processes_in_group(group).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left = processes_in_group(group);
    for pid in &left {
        // Clean up after a failure, so that a failing run leaves nothing behind either.
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    assert_eq!(left, Vec::<u32>::new(), "workers left behind");
}

/// Ctrl-C in the middle of the run: the twin stops at once, quietly (no traceback), with
/// status 130, and leaves no process behind.
#[cfg(target_os = "linux")]
#[test]
fn python_twin_stops_quietly_on_ctrl_c() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/blocking-in-async.py");
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

#[test]
fn the_python_twin_ends_quietly_on_a_closed_pipe() {
    // Line by line (PYTHONUNBUFFERED=1, as a terminal has it): its next line meets the
    // closed pipe while its process pool is running.
    let Some(mut twin) = python_twin() else {
        return;
    };
    twin.env("PYTHONUNBUFFERED", "1")
        .args(["--tasks", "2", "--block-ms", "20", "--tick-ms", "5"]);
    let (line, status, stderr) = first_line_then_close(twin);
    assert!(line.starts_with("2 coroutines"), "{line}");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
}
