//! Runs the built binary with small parameters and checks what the demo claims: the
//! filter keeps 40 of 100 inputs, the pool returns them in input order with the same
//! results as the sequential map, and the work is spread over the pool's threads. No
//! speedup is asserted (tests share a busy machine); `make bench` measures it.

mod common;

use std::process::Command;

use common::value;

const BIN: &str = env!("CARGO_BIN_EXE_parallel-map");

fn run(args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("run the parallel-map binary");
    assert!(
        out.status.success(),
        "parallel-map {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

#[test]
fn the_pool_keeps_order_and_results_and_uses_several_threads() {
    let out = run(&["--n-jobs", "8", "--item-ms", "10", "--tiny-reps", "20"]);
    assert_eq!(
        value(&out, "items"),
        "40",
        "b % 5 > 2 keeps 40 of 100: {out}"
    );
    assert_eq!(value(&out, "order_kept"), "true", "{out}");
    assert_eq!(value(&out, "results_equal"), "true", "{out}");
    assert!(
        out.contains("items came back as  b = 3 4 8 9 13 14 18 19 23 24 "),
        "{out}"
    );
    // Every one of the 8 pool threads answered a broadcast.
    assert_eq!(value(&out, "pool_threads"), "8", "{out}");
    // 40 items of 10 ms: the other threads wake and steal work long before one thread
    // could finish all 400 ms of it alone, even on a busy machine.
    let used: usize = value(&out, "threads_used").parse().expect("a count");
    assert!((2..=8).contains(&used), "{out}");
}

#[test]
fn one_thread_pool_still_keeps_order() {
    let out = run(&["--n-jobs", "1", "--item-ms", "1", "--tiny-reps", "5"]);
    assert_eq!(value(&out, "order_kept"), "true", "{out}");
    assert_eq!(value(&out, "results_equal"), "true", "{out}");
    assert_eq!(value(&out, "threads_used"), "1", "{out}");
    assert_eq!(value(&out, "ideal_s"), "0.000");
}

#[test]
fn bad_arguments_exit_2() {
    for bad in [["--n-jobs", "0"], ["--item-ms", "0"], ["--tiny-reps", "x"]] {
        let out = Command::new(BIN)
            .args(bad)
            .output()
            .expect("run the parallel-map binary");
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(out.stdout.is_empty());
    }
}
