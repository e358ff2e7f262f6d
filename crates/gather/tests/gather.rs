//! Runs the built binary with small parameters and checks what the demo claims: the order
//! of One and Two, and that gathered sleeps overlap while blocking sleeps add up. Timing
//! claims use wide margins (debug build, busy machine): under 2x one delay, not about 1x.

use std::collections::HashMap;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gather"))
        .args(args)
        .output()
        .expect("the gather binary runs")
}

/// The `key=value` pairs of the last stdout line, which must be the summary.
fn summary(out: &Output) -> HashMap<String, String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().expect("some output");
    let rest = last
        .strip_prefix("summary: ")
        .expect("last line is the summary");
    rest.split_whitespace()
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("key=value");
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn num(s: &HashMap<String, String>, key: &str) -> f64 {
    s[key].parse().expect("a number")
}

/// The One/Two words, in the order the program printed them live.
fn words(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| *w == "One" || *w == "Two")
        .map(str::to_string)
        .collect()
}

#[test]
fn gathered_coroutines_print_all_ones_then_all_twos_in_about_one_delay() {
    let out = run(&["--count", "3", "--delay-ms", "200"]);
    assert!(out.status.success());
    assert_eq!(words(&out), ["One", "One", "One", "Two", "Two", "Two"]);
    let s = summary(&out);
    assert_eq!(s["mode"], "gather");
    assert_eq!(s["order_ok"], "true");
    assert_eq!(s["one_thread"], "true");
    assert_eq!(s["count"], "3");
    let elapsed = num(&s, "elapsed_s");
    assert!(elapsed >= 0.19, "cannot finish before the sleep: {elapsed}");
    assert!(
        elapsed < 0.4,
        "three 200 ms sleeps gathered must overlap: {elapsed} s"
    );
    assert!((num(&s, "ideal_s") - 0.2).abs() < 1e-9);
}

#[test]
fn blocking_sleep_alternates_and_adds_up() {
    let out = run(&["--blocking", "--count", "3", "--delay-ms", "100"]);
    assert!(out.status.success());
    assert_eq!(words(&out), ["One", "Two", "One", "Two", "One", "Two"]);
    let s = summary(&out);
    assert_eq!(s["mode"], "blocking");
    assert_eq!(s["order_ok"], "true");
    let elapsed = num(&s, "elapsed_s");
    assert!(
        elapsed >= 0.25,
        "blocking sleeps cannot overlap: {elapsed} s"
    );
    assert!((num(&s, "ideal_s") - 0.3).abs() < 1e-9);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("why: std::thread::sleep blocks the only thread"));
}

#[test]
fn ten_thousand_coroutines_still_take_about_one_delay() {
    let out = run(&["--count", "10000", "--delay-ms", "200"]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        words(&out).is_empty(),
        "large counts are not printed line by line"
    );
    assert!(stdout.contains("order observed: One x10000, then Two x10000"));
    let s = summary(&out);
    assert_eq!(s["order_ok"], "true");
    assert_eq!(s["one_thread"], "true");
    let elapsed = num(&s, "elapsed_s");
    assert!(elapsed < 0.4, "10000 x 200 ms gathered took {elapsed} s");
}

#[test]
fn show_limit_switches_between_lines_and_run_length_form() {
    let out = run(&["--count", "4", "--delay-ms", "10", "--show", "2"]);
    assert!(out.status.success());
    assert!(words(&out).is_empty());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("order observed: One x4, then Two x4"));
    assert!(stdout.contains("timeline (measured from the start, one thread):"));
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
