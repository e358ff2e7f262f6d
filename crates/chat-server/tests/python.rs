//! Runs the asyncio twin, when python3 is installed, and checks the same claims and the
//! same manners: quiet on a closed pipe, one error line on a full disk, and a Ctrl-C that
//! stops it with status 130, no traceback and no process left.

mod common;

use std::time::Duration;

use common::{first_line_then_close, number, python_twin, summary};

#[test]
fn the_python_twin_fans_out_and_a_slow_reader_stalls_nobody() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    let out = twin
        .args([
            "--clients",
            "10,100",
            "--rounds",
            "5",
            "--patience-ms",
            "3000",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let s = summary(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(number(&s, "received_10"), 45.0, "{s:?}");
    assert_eq!(number(&s, "received_100"), 495.0, "{s:?}");
    assert_eq!(number(&s, "server_threads"), 1.0, "{s:?}");
    assert_eq!(number(&s, "fast_received"), 7.0 * 2048.0, "{s:?}");
    assert_eq!(number(&s, "lagged_told"), 1.0, "{s:?}");
    assert_eq!(
        number(&s, "lagging_received") + number(&s, "skipped"),
        2048.0,
        "{s:?}"
    );
    assert_eq!(number(&s, "dropped"), 1.0, "{s:?}");
    assert_eq!(s["stuck_closed"], "yes");
    assert!(number(&s, "fast_worst_ms") < 1000.0, "{s:?}");
}

#[test]
fn the_python_twins_trace_shows_the_stuck_reader_and_the_batches() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let out = twin
        .args([
            "--clients",
            "10",
            "--rounds",
            "5",
            "--patience-ms",
            "2000",
            "--trace",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let trace = common::read_trace(&path);
    let slow = trace.slices_of("slow readers");
    let stuck: Vec<_> = slow.iter().filter(|s| s.name == "never reads").collect();
    assert_eq!(stuck.len(), 1);
    let batches: Vec<_> = slow.iter().filter(|s| s.kind == "fan-out").collect();
    assert_eq!(batches.len(), 128);
    assert!(batches.iter().all(|b| b.end < stuck[0].end));
    assert!(stuck[0].end - stuck[0].start >= 2000e3);
}

#[test]
fn the_python_twin_ends_quietly_on_a_closed_pipe() {
    let Some(twin) = python_twin() else { return };
    let (line, status, stderr) = first_line_then_close(twin);
    assert!(line.starts_with("A chat server"), "{line}");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
    let Some(twin) = python_twin() else { return };
    let (status, stderr) = common::reader_gone_from_the_start(twin);
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn the_python_twin_rejects_a_bad_flag() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    let out = twin.args(["--clients", "1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--clients"));
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
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/chat-server.py");
    // Mid-run: while the stuck reader waits out its 5 s of patience.
    let args = ["--clients", "10", "--patience-ms", "5000"];
    let Some(run) = common::ctrl_c_python(script, &args, Duration::from_millis(800)) else {
        return;
    };
    assert!(!run.hung && !run.ended_first, "{run:?}");
    assert_eq!(run.code, Some(130), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(run.left, 0, "{run:?}");
}
