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

/// A kitchen's row of the table: cores, threads, total_s, mixing_s, overlap_s,
/// cores_mixing (the speedup's `x` dropped).
fn row(stdout: &str, kitchen: &str) -> Vec<f64> {
    let line = stdout
        .lines()
        .find(|l| {
            l.strip_prefix(kitchen)
                .is_some_and(|rest| rest.starts_with("  "))
        })
        .unwrap_or_else(|| panic!("no row for {kitchen}: {stdout}"));
    line[kitchen.len()..]
        .split_whitespace()
        .map(|w| w.trim_end_matches('x').parse().unwrap())
        .collect()
}

/// A kitchen's `both` row, under its timeline's heading.
fn both_row<'a>(stdout: &'a str, kitchen: &str) -> &'a str {
    let timeline = stdout
        .split(&format!("\n{kitchen} ("))
        .nth(1)
        .unwrap_or_else(|| panic!("no timeline for {kitchen}"));
    let both = timeline.lines().nth(3).expect("no both row");
    assert!(both.starts_with("  both   |"), "{both}");
    both
}

#[test]
fn one_baker_never_mixes_both_cakes_at_once() {
    let (_, stdout) = run(&["--work-ms", "20", "--oven-ms", "40", "--steps", "3"]);
    let s = summary(&stdout);
    for kitchen in ["one baker", "one baker, 1 core"] {
        let r = row(&stdout, kitchen);
        assert_eq!((r[1], r[4]), (1.0, 0.0), "threads, overlap_s of {kitchen}");
        // One thread cannot burn more than one core's worth of CPU while it mixes.
        assert!(r[5] <= 1.05, "cores_mixing of {kitchen}: {}", r[5]);
        assert!(!both_row(&stdout, kitchen).contains(['^', '-']), "{stdout}");
    }
    assert_eq!(s["results_equal"], "true");
    // Five kitchens, each drawn with three rows.
    assert_eq!(stdout.matches("  cake 1 |").count(), 5);
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

/// Part two, pinned to one core by the demo itself (sched_setaffinity): concurrency works
/// there (one baker still hides the ovens; two bakers' threads still overlap in time), and
/// parallelism has no room (two bakers' mixing gets one core's worth at most, and the
/// `both` row never says parallel). The cores' worth comes from the threads' CPU clocks,
/// so other programs' load can lower it but not raise it.
#[cfg(target_os = "linux")]
#[test]
fn on_one_core_concurrency_still_works_and_parallelism_does_not() {
    let (_, stdout) = run(&["--work-ms", "20", "--oven-ms", "200", "--steps", "2"]);
    let s = summary(&stdout);
    let sequential = number(&s, "sequential_s");
    let one_baker = number(&s, "one_baker_1core_s");
    assert!(
        one_baker < 0.75 * sequential,
        "one baker on one core {one_baker} s vs sequential {sequential} s"
    );
    assert_eq!(row(&stdout, "two bakers, 1 core")[..2], [1.0, 2.0]);
    let overlap = number(&s, "overlap_s_two_bakers_1core");
    assert!(
        overlap > 0.01,
        "two threads on one core never overlapped: {stdout}"
    );
    let worth = number(&s, "cores_mixing_two_bakers_1core");
    assert!(worth <= 1.15, "{worth} cores' worth on one core: {stdout}");
    assert!(
        !both_row(&stdout, "two bakers, 1 core").contains('^'),
        "{stdout}"
    );
    assert!(
        stdout.contains("part two, every thread pinned to core "),
        "{stdout}"
    );
}

#[test]
fn two_bakers_mix_at_the_same_time() {
    let (_, stdout) = run(&["--work-ms", "100", "--oven-ms", "10", "--steps", "2"]);
    let s = summary(&stdout);
    assert_eq!(row(&stdout, "two bakers")[1], 2.0);
    assert_eq!(s["results_equal"], "true");
    // Both cakes start mixing at once and mix for 200 ms of CPU each: they overlap in time
    // for most of it, on two cores or taking turns at one. Asking for a quarter of that
    // leaves room for a machine that is busy elsewhere.
    let overlap = number(&s, "overlap_s_two_bakers");
    assert!(
        overlap > 0.05,
        "two bakers mixed at once for only {overlap} s"
    );
    // The words follow the cores' worth: "parallel" only where it reached 1.5.
    let worth = number(&s, "cores_mixing_two_bakers");
    let said_parallel = stdout.contains("cores' worth of CPU: parallel.");
    assert_eq!(said_parallel, worth >= 1.5, "{stdout}");
}

#[test]
fn ideal_counts_only_the_ovens() {
    // 2 x 2 x 10 ms back to back, then 2 x 10 ms in each of the four other kitchens.
    let (_, stdout) = run(&["--work-ms", "1", "--oven-ms", "10", "--steps", "2"]);
    let s = summary(&stdout);
    assert_eq!(number(&s, "ideal_s"), 0.12);
    assert!(
        stdout.contains("ideal_s = 0.120 s: the ovens alone"),
        "{stdout}"
    );
}

/// Every summary key is a figure the table above it names, and the line stays short.
#[test]
fn every_summary_key_is_named_above_it() {
    let (_, stdout) = run(&["--work-ms", "1", "--oven-ms", "1", "--steps", "1"]);
    let last = stdout.lines().last().unwrap();
    assert!(last.len() <= 300, "{} characters: {last}", last.len());
    let above = &stdout[..stdout.len() - last.len()];
    for key in summary(&stdout).keys() {
        let named = match key.as_str() {
            "sequential_s" | "one_baker_s" | "two_bakers_s" | "one_baker_1core_s"
            | "two_bakers_1core_s" => "total_s",
            "results_equal" => "identical in all",
            k => k.split("_two").next().unwrap(),
        };
        assert!(
            above.contains(named),
            "{key} ({named}) is not named above it"
        );
    }
}

/// Pinned to one core from outside (with `taskset`), even part one's two bakers can only
/// take turns at it: the CPU seconds of mixing per second of mixing stay at one core's
/// worth or below.
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
    assert_eq!(row(&stdout, "two bakers")[1], 2.0);
    for key in ["cores_mixing_two_bakers", "cores_mixing_two_bakers_1core"] {
        let x = number(&s, key);
        assert!(x <= 1.15, "{key}={x} on one core: {stdout}");
    }
    assert!(
        !stdout.contains("cores' worth of CPU: parallel."),
        "{stdout}"
    );
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
