//! `--trace`: the lesson read back from the trace itself. One track, four steps in order,
//! labelled I/O, CPU, CPU, I/O; the fetch at least the server's latency and nearly all of
//! the time, the two CPU steps a tiny part of it; and `--trace` changes no figure.

mod common;

use std::process::Command;

use common::{TempDir, number, read_trace, summary};

const BIN: &str = env!("CARGO_BIN_EXE_io-vs-cpu");

#[test]
fn the_trace_shows_the_wait_is_io_and_the_cpu_steps_are_tiny() {
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let out = Command::new(BIN)
        .args(["--latency-ms", "100", "--trace"])
        .arg(&path)
        .env_remove("http_proxy")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let trace = read_trace(&path);
    assert_eq!(trace.tracks.len(), 1, "one track: {:?}", trace.tracks);
    let steps = &trace.slices;
    let kinds: Vec<&str> = steps.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(kinds, ["I/O", "CPU", "CPU", "I/O"], "{steps:?}");
    for (step, word) in steps.iter().zip(["fetch", "format", "join", "write"]) {
        assert!(step.name.starts_with(word), "{step:?}");
    }
    for pair in steps.windows(2) {
        assert!(
            pair[0].end <= pair[1].start,
            "the steps run one after another: {pair:?}"
        );
    }
    let took = |i: usize| steps[i].end - steps[i].start;
    assert!(
        took(0) >= 100_000.0,
        "the fetch waits for the server: {} µs",
        took(0)
    );
    let cpu = took(1) + took(2);
    assert!(
        cpu < took(0) / 10.0,
        "the CPU steps ({cpu} µs) are a small part of the fetch"
    );
    assert!(
        trace
            .moments
            .iter()
            .any(|m| m.name.starts_with("the two CPU steps"))
    );
}

#[test]
fn the_trace_changes_no_figure() {
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let plain = Command::new(BIN)
        .args(["--latency-ms", "50"])
        .output()
        .unwrap();
    let traced = Command::new(BIN)
        .args(["--latency-ms", "50", "--trace"])
        .arg(&path)
        .output()
        .unwrap();
    let (a, b) = (
        summary(&String::from_utf8(plain.stdout).unwrap()),
        summary(&String::from_utf8(traced.stdout).unwrap()),
    );
    assert_eq!(a["headers"], b["headers"]);
    assert_eq!(a["latency_ms"], b["latency_ms"]);
    for s in [&a, &b] {
        assert!(
            number(s, "fetch_s") >= 0.050 && number(s, "io_share") > 0.9,
            "{s:?}"
        );
    }
}

#[test]
fn a_trace_that_cannot_be_written_is_one_error_line() {
    let out = Command::new(BIN)
        .args(["--latency-ms", "0", "--trace", "/nonexistent/t.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: cannot write the trace") && err.lines().count() == 1,
        "{err}"
    );
}
