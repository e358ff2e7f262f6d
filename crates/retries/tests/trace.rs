//! `--trace`: the lesson read back from the trace data, not the printed words.

mod common;

use std::process::Command;

use common::{number, read_trace, summary};

const BIN: &str = env!("CARGO_BIN_EXE_retries");

#[test]
fn the_trace_shows_retries_hammering_the_outage_and_the_breaker_shedding() {
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let out = Command::new(BIN)
        .arg("--trace")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let s = summary(&stdout);
    let trace = read_trace(&path);
    let attempts = |group: &str| {
        trace
            .slices_of(group)
            .iter()
            .filter(|s| s.name.starts_with("attempt"))
            .count()
    };
    // Every attempt in the trace is a request the service counted (load x calls), give
    // or take one that timed out before the service read it.
    let now = attempts("retry at once");
    let counted = number(&s, "load_now") * 100.0;
    assert!(
        (now as f64 - counted).abs() <= 3.0,
        "{now} against {counted}"
    );
    assert_eq!(attempts("once"), 100);
    // The breaker's calls that never sent a request are its shed moments.
    let shed = trace.moments.iter().filter(|m| m.name == "shed").count();
    assert_eq!(shed as f64, number(&s, "shed"));
    assert!(attempts("back-off + circuit breaker") * 2 < now, "{stdout}");
    // The service's own rate, from its counter: retrying at once peaks far above what
    // the calls offer (200 a second); behind the breaker it stays lower.
    let peak = |group: &str| {
        trace
            .levels_of(group, "service requests/s")
            .iter()
            .map(|l| l.value)
            .fold(0.0, f64::max)
    };
    assert!(peak("retry at once") >= 500.0, "{}", peak("retry at once"));
    assert!(peak("back-off + circuit breaker") < peak("retry at once"));
    // No back-off call, waits included, lasts past its deadline (plus a margin for load).
    for group in ["back-off + jitter", "back-off + circuit"] {
        for track in trace
            .tracks
            .iter()
            .filter(|t| t.0.starts_with(group) && t.1 != "service")
        {
            let mine: Vec<_> = trace
                .slices
                .iter()
                .filter(|s| s.group == track.0 && s.track == track.1)
                .collect();
            let span = common::Trace::span(&mine) / 1e3;
            assert!(span <= 150.0 + 50.0, "{track:?}: {span} ms");
        }
    }
}

#[test]
fn the_trace_changes_no_count() {
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let args = ["--attempts", "1", "--calls", "30", "--spread-ms", "150"];
    let out = Command::new(BIN)
        .args(args)
        .arg("--trace")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = summary(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(number(&s, "calls"), 30.0);
    assert!(number(&s, "load_now") <= 1.0);
}
