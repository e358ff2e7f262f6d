//! Runs the built binary with small parameters and checks what the demo claims, from the
//! figures it measured (the closing `summary:` line), with margins wide enough for a
//! machine that is busy with other work.

mod common;

use std::process::Command;

use common::{number, value};

const BIN: &str = env!("CARGO_BIN_EXE_multitasking");

fn run(args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("cannot start the demo");
    assert!(
        out.status.success(),
        "demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_busy_thread_progresses_even_with_more_threads_than_cores() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = (3 * cores).to_string();
    let stdout = run(&[
        "--threads",
        &threads,
        "--duration-ms",
        "400",
        "--sample-ms",
        "50",
        "--tick-ms",
        "50",
        "--spin-ms",
        "1",
    ]);
    assert_eq!(value(&stdout, "threads"), threads);
    assert_eq!(value(&stdout, "threads_all_progressed"), "true");
    assert_eq!(number(&stdout, "windows"), 8.0);
    assert!(number(&stdout, "windows_all_advanced") >= 1.0);
}

#[test]
fn default_threads_are_twice_the_cores() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let stdout = run(&[
        "--duration-ms",
        "100",
        "--sample-ms",
        "50",
        "--tick-ms",
        "50",
        "--spin-ms",
        "1",
    ]);
    assert_eq!(number(&stdout, "threads"), (2 * cores) as f64);
    assert_eq!(value(&stdout, "threads_all_progressed"), "true");
}

#[test]
fn a_spinner_that_never_awaits_starves_the_ticker_and_one_that_yields_does_not() {
    let spin = 300.0;
    let stdout = run(&[
        "--threads",
        "1",
        "--duration-ms",
        "600",
        "--sample-ms",
        "100",
        "--tick-ms",
        "50",
        "--spin-ms",
        "300",
    ]);
    let starved = number(&stdout, "worst_late_spin_ms");
    let yielding = number(&stdout, "worst_late_yield_ms");
    // The spinner starts at 75 ms, so the tick due at 100 ms cannot run before 375 ms.
    assert!(
        starved >= 0.5 * spin,
        "ticker beside the hog was only {starved} ms late"
    );
    assert!(
        yielding < spin / 3.0,
        "ticker beside the yielder was {yielding} ms late"
    );
    assert!(number(&stdout, "yield_slices") > 0.0 && number(&stdout, "spin_slices") > 0.0);
}

#[test]
fn ideal_counts_the_sampling_and_the_ticker_schedule() {
    let stdout = run(&[
        "--threads",
        "1",
        "--duration-ms",
        "100",
        "--tick-ms",
        "50",
        "--spin-ms",
        "1",
    ]);
    assert_eq!(number(&stdout, "ideal_s"), 0.3);
}

#[test]
fn bad_flag_exits_2() {
    for bad in [
        ["--threads", "0"],
        ["--tick-ms", "1"],
        ["--spin-ms", "soon"],
    ] {
        let out = Command::new(BIN)
            .args(bad)
            .output()
            .expect("cannot start the demo");
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
}
