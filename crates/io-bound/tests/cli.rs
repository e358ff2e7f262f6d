//! Runs the built binary with small numbers and checks what the demo claims:
//! overlapping the waits beats sequential by far, the blocking mistake does not,
//! every request succeeds, and the server really had many requests in flight.

use std::collections::HashMap;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_io-bound");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn summary(out: &Output) -> HashMap<String, String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with("summary: "), "last line: {last}");
    last["summary: ".len()..]
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn overlapping_waits_beat_sequential_and_blocking_in_async_does_not() {
    // 12 requests of 100 ms: sequential needs 1.2 s, the concurrent rows about 0.1 s.
    let out = run(&["--requests", "12", "--latency-ms", "100", "--pool", "4"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = summary(&out);
    let f = |key: &str| -> f64 { s[key].parse().unwrap() };
    for key in [
        "requests",
        "latency_ms",
        "pool",
        "sequential_s",
        "threads_s",
        "pool_s",
        "async_s",
        "blocked_async_s",
        "speedup_threads",
        "speedup_pool",
        "speedup_async",
        "speedup_blocked_async",
        "all_ok",
        "ideal_s",
    ] {
        assert!(s.contains_key(key), "missing {key}");
    }
    let seq = f("sequential_s");
    assert!(seq >= 1.2, "sequential {seq} s is faster than its waits");
    assert!(
        f("threads_s") < seq / 3.0,
        "threads: {} s vs sequential {seq} s",
        f("threads_s")
    );
    assert!(
        f("async_s") < seq / 3.0,
        "async: {} s vs sequential {seq} s",
        f("async_s")
    );
    assert!(f("pool_s") >= 0.3, "a pool of 4 needs 3 rounds of 100 ms");
    assert!(f("pool_s") < seq, "pool no faster than sequential");
    assert!(
        f("blocked_async_s") >= 0.7 * seq,
        "the blocking mistake should be as slow as sequential"
    );
    // Every response was OK and counted by the server: 5 methods x 12 requests.
    assert_eq!(s["all_ok"], "true");
    assert_eq!(s["served"], "60");
    assert!(
        (f("ideal_s") - 2.9).abs() < 1e-9,
        "ideal_s {}",
        s["ideal_s"]
    );
    // What the server saw at once: the structure behind the timings.
    assert_eq!(s["peak_sequential"], "1");
    assert_eq!(s["peak_blocked_async"], "1");
    assert!(
        f("peak_pool") <= 4.0 && f("peak_pool") >= 2.0,
        "peak_pool {}",
        s["peak_pool"]
    );
    assert!(
        f("peak_threads") >= 4.0,
        "peak_threads {}",
        s["peak_threads"]
    );
    assert!(f("peak_async") >= 4.0, "peak_async {}", s["peak_async"]);
}

#[test]
fn table_has_one_row_per_method() {
    let out = run(&["--requests", "3", "--latency-ms", "10", "--pool", "2"]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    for method in [
        "sequential",
        "threads (one per request)",
        "pool of 2 threads",
        "async: tokio + spawn_blocking",
        "async mistake: blocking call",
    ] {
        let row = stdout
            .lines()
            .find(|l| l.starts_with(method))
            .unwrap_or_default();
        assert!(row.ends_with("3/3"), "row for {method}: {row:?}");
    }
}

#[test]
fn bad_flags_are_usage_errors() {
    assert_eq!(run(&["--requests", "0"]).status.code(), Some(2));
    assert_eq!(run(&["--pool", "many"]).status.code(), Some(2));
    assert_eq!(run(&["--no-such-flag"]).status.code(), Some(2));
}
