//! Runs the built binary with small parameters and checks what the demo claims: every
//! method gives the same, correct results, and no child process is left behind. Speed is
//! not asserted here (tests share a busy machine); `make bench` measures it.

mod common;

use std::process::Command;

use common::value;

const BIN: &str = env!("CARGO_BIN_EXE_cpu-bound");

fn run(args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("run the cpu-bound binary");
    assert!(
        out.status.success(),
        "cpu-bound {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

#[test]
fn every_method_gives_the_closed_form_for_every_job() {
    let out = run(&[
        "--size",
        "30000",
        "--jobs",
        "7",
        "--workers",
        "3",
        "--factorial",
        "300",
    ]);
    assert_eq!(value(&out, "results_equal"), "true", "{out}");
    assert_eq!(out.matches("identical, all correct").count(), 4, "{out}");
    // 30000 + 6 = 30006: its sum of squares is 30006 * 30005 * 60011 / 6.
    let last: u128 = 30006 * 30005 * 60011 / 6;
    assert!(out.contains(&format!("last job's sum {last}")), "{out}");
    // 300! has 615 digits.
    assert_eq!(value(&out, "factorial_digits"), "615", "{out}");
    assert_eq!(value(&out, "jobs"), "7");
    assert_eq!(value(&out, "workers"), "3");
}

#[test]
fn no_child_process_is_left_after_a_run() {
    // More workers than jobs: some children get no job and must still exit and be reaped.
    let out = run(&[
        "--size",
        "1000",
        "--jobs",
        "3",
        "--workers",
        "6",
        "--factorial",
        "0",
    ]);
    assert_eq!(value(&out, "children_left"), "0", "{out}");
    assert_eq!(value(&out, "results_equal"), "true", "{out}");
    // The table is printed once: a fork that copied an unflushed buffer would repeat it.
    assert_eq!(out.matches("forked processes + pipes").count(), 1, "{out}");
}

#[test]
fn bad_arguments_exit_2() {
    for bad in [["--workers", "0"], ["--size", "0"], ["--jobs", "many"]] {
        let out = Command::new(BIN)
            .args(bad)
            .output()
            .expect("run the cpu-bound binary");
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(out.stdout.is_empty());
    }
}
