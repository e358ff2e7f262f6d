//! Runs the built binary with small parameters and checks what the demo claims, from the
//! figures it measured (the closing `summary:` line). Speedups from parallel CPU work are
//! not asserted: they vanish when the machine is busy. Structure and sleeps are.

mod common;
mod local;

use std::process::{Command, Output};

use common::{example, first_line_then_close, number, summary};

const BIN: &str = env!("CARGO_BIN_EXE_concurrency-vs-parallelism");

fn run(args: &[&str]) -> (Output, String) {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("cannot start the demo");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out, stdout)
}

#[test]
fn one_baker_never_mixes_both_cakes_at_once() {
    let (_, stdout) = run(&["--work-ms", "20", "--oven-ms", "40", "--steps", "3"]);
    let s = summary(&stdout);
    assert_eq!(number(&s, "work_overlap_one_baker"), 0.0);
    assert_eq!(number(&s, "one_baker_threads"), 1.0);
    // One thread cannot burn more than one core's worth of CPU while it mixes.
    assert!(number(&s, "mixing_parallelism_one_baker") <= 1.05);
    assert_eq!(s["results_equal"], "true");
    // Every kitchen draws three rows, and one baker's `both` row stays empty.
    assert_eq!(stdout.matches("  cake 1 |").count(), 3);
    let one_baker = stdout
        .split("\none baker (")
        .nth(1)
        .expect("no one-baker timeline");
    let both = one_baker.lines().nth(3).expect("no both row");
    assert!(
        both.starts_with("  both   |") && !both.contains('^'),
        "{both}"
    );
}

#[test]
fn one_baker_beats_sequential_when_the_ovens_dominate() {
    // Four ovens of 300 ms back to back take 1.2 s; one baker overlaps them in pairs, 0.6 s.
    let (_, stdout) = run(&["--work-ms", "5", "--oven-ms", "300", "--steps", "2"]);
    let s = summary(&stdout);
    let sequential = number(&s, "sequential_s");
    let one_baker = number(&s, "one_baker_s");
    assert!(sequential >= 1.2, "sequential took {sequential} s");
    assert!(
        one_baker < 0.75 * sequential,
        "one baker {one_baker} s vs sequential {sequential} s"
    );
}

#[test]
fn two_bakers_mix_at_the_same_time_where_there_are_two_cores() {
    let (_, stdout) = run(&["--work-ms", "100", "--oven-ms", "10", "--steps", "2"]);
    let s = summary(&stdout);
    assert_eq!(number(&s, "two_bakers_threads"), 2.0);
    assert_eq!(s["results_equal"], "true");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 {
        println!("only one core available: skipped the check that two bakers' mixing overlaps");
        return;
    }
    // Both cakes start mixing at once and mix for 200 ms of CPU each: they overlap for most
    // of it. Asking for a quarter of that leaves room for a machine that is busy elsewhere.
    let overlap = number(&s, "work_overlap_two_bakers");
    assert!(
        overlap > 0.05,
        "two bakers mixed at once for only {overlap} s"
    );
}

#[test]
fn ideal_counts_only_the_ovens() {
    let (_, stdout) = run(&["--work-ms", "1", "--oven-ms", "10", "--steps", "2"]);
    let s = summary(&stdout);
    assert_eq!(number(&s, "ideal_s"), 0.08);
}

/// Pinned to one core (with `taskset`), two bakers can only take turns at it: the CPU
/// seconds of mixing per second of mixing stay at one core's worth or below, and the
/// two bakers gain nothing on the work. The figure comes from the threads' CPU clocks,
/// so other programs' load can lower it but not raise it.
#[test]
fn on_one_core_two_bakers_mix_with_one_cores_worth_at_most() {
    let Some(pinned) = local::on_one_core(BIN) else {
        println!("skipped: no `taskset` here to pin the demo to one core");
        return;
    };
    let out = Command::new(&pinned[0])
        .args(&pinned[1..])
        .args(["--work-ms", "40", "--oven-ms", "10", "--steps", "2"])
        .output()
        .expect("run the demo under taskset");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let s = summary(&stdout);
    assert_eq!(number(&s, "cores"), 1.0, "{stdout}");
    assert_eq!(number(&s, "two_bakers_threads"), 2.0);
    for key in [
        "mixing_parallelism_one_baker",
        "mixing_parallelism_two_bakers",
    ] {
        let x = number(&s, key);
        assert!(x <= 1.15, "{key}={x} on one core: {stdout}");
    }
}

#[test]
fn a_closed_pipe_ends_quietly() {
    // The first line is the recipe; tables, timelines and the summary are still to come.
    let mut command = Command::new(BIN);
    command.args(["--work-ms", "5", "--oven-ms", "5", "--steps", "1"]);
    let (first, status, stderr) = first_line_then_close(command);
    assert!(first.starts_with("Two cakes, 1 steps each"), "{first}");
    assert_eq!(stderr, "", "stderr after the reader closed the pipe");
    assert!(
        status.success(),
        "{status} after the reader closed the pipe"
    );
}

#[test]
fn bad_flag_exits_2() {
    for bad in [["--steps", "0"], ["--work-ms", "x"], ["--width", "5"]] {
        let out = Command::new(BIN)
            .args(bad)
            .output()
            .expect("cannot start the demo");
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(bad[0]),
            "{bad:?}"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    let mut demo = Command::new(BIN);
    demo.args(["--work-ms", "5", "--oven-ms", "5", "--steps", "1"]);
    common::assert_one_error_line_on_a_full_disk(demo);
    common::assert_one_error_line_on_a_full_disk(Command::new(example("twocakes")));
    if let Some(mut twin) = common::python_twin() {
        twin.args(["--work-ms", "5", "--oven-ms", "5", "--steps", "1"]);
        common::assert_one_error_line_on_a_full_disk(twin);
    }
}
