//! Runs the built binary with small parameters and checks what the demo claims: the order
//! of One and Two, and that gathered sleeps overlap while blocking sleeps add up. Timing
//! claims use wide margins (debug build, busy machine): under 2x one delay, not about 1x.

mod common;
mod local;

use std::process::{Command, Output};

use common::{example, first_line_then_close, number, python_twin, summary};
use local::words;

const BIN: &str = env!("CARGO_BIN_EXE_gather");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("the gather binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn gathered_coroutines_print_all_ones_then_all_twos_in_about_one_delay() {
    let out = run(&["--count", "3", "--delay-ms", "200"]);
    assert!(out.status.success());
    assert_eq!(
        words(&stdout(&out)),
        ["One", "One", "One", "Two", "Two", "Two"]
    );
    let s = summary(&stdout(&out));
    assert_eq!(s["mode"], "gather");
    assert_eq!(s["order_ok"], "true");
    assert_eq!(s["one_thread"], "true");
    assert_eq!(s["count"], "3");
    let elapsed = number(&s, "elapsed_s");
    assert!(elapsed >= 0.19, "cannot finish before the sleep: {elapsed}");
    assert!(
        elapsed < 0.4,
        "three 200 ms sleeps gathered must overlap: {elapsed} s"
    );
    assert!((number(&s, "ideal_s") - 0.2).abs() < 1e-9);
    // Three coroutines: what is beyond the delay is the timer's slack, said as such, and
    // not divided into a cost per coroutine.
    assert!(!s.contains_key("overhead_ns_per_coroutine"), "{s:?}");
    assert!(stdout(&out).contains("is start-up and timer slack, not a cost per coroutine"));
    every_key_is_in_the_figures(&stdout(&out));
}

/// Each key of the summary line is a figure the run printed above it, under that name.
fn every_key_is_in_the_figures(text: &str) {
    let figures: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("the figures (keys of the summary line):"))
        .filter(|l| l.starts_with("  "))
        .collect();
    for key in summary(text).keys() {
        assert!(
            figures
                .iter()
                .any(|l| l.trim_start().starts_with(&format!("{key} "))),
            "{key} is not among the figures: {figures:?}"
        );
    }
}

#[test]
fn blocking_sleep_alternates_and_adds_up() {
    let out = run(&["--blocking", "--count", "3", "--delay-ms", "100"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert_eq!(words(&text), ["One", "Two", "One", "Two", "One", "Two"]);
    let s = summary(&text);
    assert_eq!(s["mode"], "blocking");
    assert_eq!(s["order_ok"], "true");
    let elapsed = number(&s, "elapsed_s");
    assert!(
        elapsed >= 0.25,
        "blocking sleeps cannot overlap: {elapsed} s"
    );
    assert!((number(&s, "ideal_s") - 0.3).abs() < 1e-9);
    assert!(text.contains("why: std::thread::sleep blocks the only thread"));
}

#[test]
fn ten_thousand_coroutines_still_take_about_one_delay() {
    let out = run(&["--count", "10000", "--delay-ms", "200"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        words(&text).is_empty(),
        "large counts are not printed line by line"
    );
    assert!(text.contains("order observed: One x10000, then Two x10000"));
    let s = summary(&text);
    assert_eq!(s["order_ok"], "true");
    assert_eq!(s["one_thread"], "true");
    let elapsed = number(&s, "elapsed_s");
    assert!(elapsed < 0.4, "10000 x 200 ms gathered took {elapsed} s");
    // From 10,000 on, the time beyond the delay is divided per coroutine: exactly that.
    let per = number(&s, "overhead_ns_per_coroutine");
    let beyond_ns = (elapsed - number(&s, "ideal_s")).max(0.0) * 1e9;
    assert!(
        (per - beyond_ns / 10_000.0).abs() <= 100.0,
        "{per} ns against {beyond_ns} ns"
    );
    every_key_is_in_the_figures(&text);
}

#[test]
fn show_limit_switches_between_lines_and_run_length_form() {
    let out = run(&["--count", "4", "--delay-ms", "10", "--show", "2"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(words(&text).is_empty());
    assert!(text.contains("order observed: One x4, then Two x4"));
    assert!(text.contains("timeline (measured from the start, one thread):"));
}

#[test]
fn bad_flags_exit_with_code_2() {
    for bad in [
        &["--count", "0"][..],
        &["--delay-ms", "0"],
        &["--count", "many"],
        &["--no-such-flag"],
    ] {
        let out = run(bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(out.stdout.is_empty(), "{bad:?}");
    }
}

/// More coroutines than the demo can hold are refused at once, by clap, naming the flag:
/// no run of minutes, no allocation abort.
#[test]
fn a_count_too_large_to_hold_is_refused_before_anything_runs() {
    let out = run(&["--count", "4294967295"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--count"), "{stderr}");
    assert!(stderr.contains("1..=10000000"), "{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"));
}

/// A count within the bound that this process's memory limit cannot hold fails with one
/// `error:` line, before the join is built.
#[cfg(target_os = "linux")]
#[test]
fn a_count_the_memory_limit_cannot_hold_fails_with_one_error_line() {
    let out = Command::new("sh")
        .args([
            "-c",
            "ulimit -v 300000 && exec \"$0\" --count 5000000 --delay-ms 1",
        ])
        .arg(BIN)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("sh runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: 5000000 coroutines need about"),
        "{stderr}"
    );
    assert!(stderr.contains("--count"), "{stderr}");
    assert!(!stdout(&out).contains("One"), "nothing ran");
}

/// `gather | head -1`: the first line is read, the pipe closed while the coroutines sleep;
/// the Two lines then meet the closed pipe and the program ends quietly.
#[test]
fn a_closed_pipe_ends_it_quietly() {
    let mut cmd = Command::new(BIN);
    cmd.args(["--count", "3", "--delay-ms", "200"])
        .env("RUST_BACKTRACE", "1");
    let (line, status, stderr) = first_line_then_close(cmd);
    assert!(line.starts_with("gather: 3 count() coroutine(s)"), "{line}");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
}

/// stdout on a full disk: one `error:` line and status 1 from the demo, the minimal
/// program and the twin, never a panic or a lost-output exit 0.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    use common::assert_one_error_line_on_a_full_disk;
    let small = ["--count", "3", "--delay-ms", "1"];
    let mut bin = Command::new(BIN);
    bin.args(small);
    assert_one_error_line_on_a_full_disk(bin);
    assert_one_error_line_on_a_full_disk(Command::new(example("countasync")));
    if let Some(mut py) = python_twin() {
        py.args(small);
        assert_one_error_line_on_a_full_disk(py);
    }
}
