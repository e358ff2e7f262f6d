//! Runs the demo as a user does and checks its claims: one server thread; every line
//! reaches every other client at 10, 100 and 1,000 clients; a paused reader is told it
//! lagged and a reader that never reads is dropped, while the others get every line, fast.

mod common;
mod local;

use std::collections::HashMap;
use std::process::Command;

use common::{first_line_then_close, number, summary};
use local::BIN;

fn run(args: &[&str]) -> HashMap<String, String> {
    let out = Command::new(BIN).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {stderr}");
    summary(&String::from_utf8(out.stdout).unwrap())
}

/// Part 2's claims, the same in every run: counts exactly, times with a wide margin.
fn assert_slow_readers_stall_nobody(s: &HashMap<String, String>, lines: f64) {
    assert_eq!(number(s, "fast_received"), 7.0 * lines, "{s:?}");
    assert_eq!(number(s, "lagged_told"), 1.0, "{s:?}");
    assert_eq!(
        number(s, "lagging_received") + number(s, "skipped"),
        lines,
        "{s:?}"
    );
    assert!(number(s, "skipped") > 0.0, "{s:?}");
    assert_eq!(number(s, "dropped"), 1.0, "{s:?}");
    assert_eq!(s["stuck_closed"], "yes", "{s:?}");
    // The stuck reader held a write for the whole patience; nobody else waited for it.
    assert!(
        number(s, "fast_worst_ms") < number(s, "patience_ms") / 3.0,
        "{s:?}"
    );
}

#[test]
fn one_server_thread_fans_every_line_out_to_10_and_100_clients() {
    let s = run(&[
        "--clients",
        "10,100",
        "--rounds",
        "5",
        "--patience-ms",
        "3000",
    ]);
    assert_eq!(number(&s, "received_10"), 5.0 * 9.0, "{s:?}");
    assert_eq!(number(&s, "received_100"), 5.0 * 99.0, "{s:?}");
    if cfg!(target_os = "linux") {
        assert_eq!(number(&s, "server_threads"), 1.0, "{s:?}");
        assert_eq!(number(&s, "process_threads"), 2.0, "{s:?}");
    }
    assert!(number(&s, "fanout_ms_10") > 0.0 && number(&s, "fanout_ms_100") > 0.0);
    assert_slow_readers_stall_nobody(&s, 2048.0);
}

#[test]
fn a_thousand_clients_on_the_one_server_thread() {
    let s = run(&[
        "--clients",
        "1000",
        "--rounds",
        "3",
        "--lines",
        "1024",
        "--patience-ms",
        "3000",
    ]);
    assert_eq!(number(&s, "received_1000"), 3.0 * 999.0, "{s:?}");
    assert_eq!(number(&s, "most_clients"), 1000.0, "{s:?}");
    if cfg!(target_os = "linux") {
        assert_eq!(number(&s, "server_threads"), 1.0, "{s:?}");
    }
    assert_slow_readers_stall_nobody(&s, 1024.0);
}

#[test]
fn the_trace_shows_the_fast_clients_served_while_the_stuck_one_waits() {
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let out = Command::new(BIN)
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
    assert!(out.status.success());
    let with = summary(&String::from_utf8(out.stdout).unwrap());
    let trace = common::read_trace(&path);
    let slow = trace.slices_of("slow readers");
    let stuck: Vec<_> = slow.iter().filter(|s| s.name == "never reads").collect();
    assert_eq!(stuck.len(), 1, "{slow:?}");
    let batches: Vec<_> = slow.iter().filter(|s| s.kind == "fan-out").collect();
    assert_eq!(batches.len(), 2048 / 16);
    // Every batch reached the fast clients while the stuck one was still connected, each
    // in far less than the patience the stuck one's write was given.
    for b in &batches {
        assert!(b.end < stuck[0].end, "{b:?} after the drop");
        assert!(b.end - b.start < 2000e3 / 3.0, "{b:?}");
    }
    assert!(stuck[0].end - stuck[0].start >= 2000e3, "{:?}", stuck[0]);
    let server = trace
        .moments
        .iter()
        .filter(|m| m.group.starts_with("the server"));
    let names: Vec<&str> = server.map(|m| m.name.as_str()).collect();
    assert_eq!(
        names.iter().filter(|n| n.contains("lagged")).count(),
        1,
        "{names:?}"
    );
    assert_eq!(
        names.iter().filter(|n| n.contains("dropped")).count(),
        1,
        "{names:?}"
    );
    let fan_out = trace.slices_of("fan-out: 10 clients");
    assert_eq!(fan_out.iter().filter(|s| s.kind == "fan-out").count(), 5);
    // --trace changes no count.
    let without = run(&["--clients", "10", "--rounds", "5", "--patience-ms", "2000"]);
    for key in [
        "received_10",
        "fast_received",
        "lagged_told",
        "dropped",
        "server_threads",
    ] {
        assert_eq!(with[key], without[key], "{key}");
    }
}

#[test]
fn bad_arguments_exit_2_naming_the_flag() {
    for (args, flag) in [
        (&["--clients", "1"][..], "--clients"),
        (&["--clients", "10,x"], "--clients"),
        (&["--patience-ms", "5"], "--patience-ms"),
        (&["--serve", "127.0.0.1:0", "--clients", "3"], "--serve"),
        (&["--serve", "nowhere"], "--serve"),
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(flag),
            "{args:?}"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    common::assert_one_error_line_on_a_full_disk(Command::new(BIN));
    common::assert_one_error_line_on_a_full_disk(Command::new(common::example("chatroom")));
}

#[test]
fn a_closed_pipe_ends_it_quietly() {
    let (line, status, stderr) = first_line_then_close(Command::new(BIN));
    assert!(line.starts_with("A chat server on ONE thread"), "{line}");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
    let (status, stderr) = common::reader_gone_from_the_start(Command::new(BIN));
    assert!(status.success(), "{status}: {stderr}");
}
