//! Runs the built binary with small parameters and checks what the demo claims. The
//! claims about CPU threads are checked by structure (who held the lock when), never by
//! a speedup, so the tests pass on a busy machine; only the sleeps are timed.

mod common;

use std::process::Command;

use common::{number, value};

const BIN: &str = env!("CARGO_BIN_EXE_gil");

/// Runs the demo and returns its stdout, checking that it succeeded.
fn run(args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("run the gil binary");
    assert!(
        out.status.success(),
        "gil {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

#[test]
fn with_the_gil_no_two_threads_run_bytecode_at_once() {
    // Short slices make many hand-overs: each one is a chance to catch an overlap.
    let out = run(&[
        "--threads",
        "3",
        "--work",
        "3",
        "--switch-us",
        "200",
        "--io-ops",
        "3",
        "--io-ms",
        "10",
    ]);
    assert_eq!(value(&out, "gil_most_holders"), "1", "{out}");
    assert_eq!(value(&out, "gil_overlaps"), "0", "{out}");
    // Every thread took the GIL at least once, so the lock really was shared.
    assert!(number(&out, "gil_taken") >= 3.0, "{out}");
    assert_eq!(value(&out, "results_equal"), "true", "{out}");
    assert_eq!(value(&out, "threads"), "3");
    // CPU time over wall time: one core busy at most, plus a little for the hand-overs
    // (a busy machine only lowers it).
    assert!(number(&out, "busy_gil") < 1.3, "{out}");
}

#[test]
fn io_threads_that_release_the_gil_wait_together() {
    // Four 200 ms waits: 0.8 s on one thread, about 0.2 s on four threads that release
    // the GIL while they wait. Holding it across the wait lines them up again, and
    // sleeps are never shorter than asked, so that run takes at least 0.8 s.
    let out = run(&[
        "--threads",
        "4",
        "--work",
        "0.5",
        "--io-ops",
        "4",
        "--io-ms",
        "200",
    ]);
    let one = number(&out, "io_1_s");
    let released = number(&out, "io_n_gil_s");
    let held = number(&out, "io_n_held_s");
    assert!(one >= 0.8, "{out}");
    assert!(released < 0.5 * one, "waits did not overlap: {out}");
    assert!(held >= 0.8, "{out}");
    assert!(number(&out, "io_most_waiting") >= 2.0, "{out}");
    assert_eq!(
        value(&out, "ideal_s"),
        "1.200",
        "0.8 s on one thread, 0.2 s twice"
    );
}

#[test]
fn output_has_both_tables_and_the_timelines() {
    let out = run(&[
        "--threads",
        "2",
        "--work",
        "1",
        "--io-ops",
        "2",
        "--io-ms",
        "5",
    ]);
    for text in [
        "CPU-bound work",
        "2 threads, no lock",
        "2 threads, emulated GIL",
        "who held the GIL when",
        "thread 1",
        "I/O-bound work",
        "GIL released in I/O",
        "GIL held in I/O",
    ] {
        assert!(out.contains(text), "missing {text:?} in:\n{out}");
    }
}

#[test]
fn bad_arguments_exit_2() {
    for bad in [["--threads", "0"], ["--work", "lots"], ["--io-ms", "0"]] {
        let out = Command::new(BIN)
            .args(bad)
            .output()
            .expect("run the gil binary");
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(out.stdout.is_empty());
    }
}
