//! `--trace`: the run read back from the trace file, and the lesson asserted from its data:
//! one baker never mixes two cakes at once but mixes one while the other is in the oven;
//! no kitchen claims more cores' worth of mixing than it had; on one core the two bakers'
//! mixes overlap in time but add up to one core at most. And `--trace` changes no figure.

mod common;
mod local;

use std::process::Command;

use common::{TempDir, Trace, most_at_once, number, read_trace, summary};

const BIN: &str = env!("CARGO_BIN_EXE_concurrency-vs-parallelism");
const SMALL: [&str; 6] = ["--work-ms", "30", "--oven-ms", "60", "--steps", "2"];

fn traced(program: &[String], args: &[&str]) -> (Trace, std::collections::HashMap<String, String>) {
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let out = Command::new(&program[0])
        .args(&program[1..])
        .args(args)
        .arg("--trace")
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("trace written to ")
            && stdout.lines().last().unwrap().starts_with("summary:"),
        "{stdout}"
    );
    (read_trace(&path), summary(&stdout))
}

fn highest(trace: &Trace, group: &str) -> f64 {
    let levels = trace.levels_of(group, "cores busy");
    assert!(levels.len() > 2, "no cores busy counter in {group}");
    levels.iter().map(|l| l.value).fold(0.0, f64::max)
}

#[test]
fn one_baker_mixes_one_cake_at_a_time_while_the_other_is_in_the_oven() {
    let (trace, s) = traced(&[BIN.to_string()], &SMALL);
    assert_eq!(trace.groups.len(), 5, "{:?}", trace.groups);
    let one = trace.slices_of("one baker");
    let mixes: Vec<_> = one
        .iter()
        .copied()
        .filter(|s| s.kind.starts_with("mixing"))
        .collect();
    let ovens: Vec<_> = one
        .iter()
        .copied()
        .filter(|s| s.kind.starts_with("in the oven"))
        .collect();
    assert_eq!((mixes.len(), ovens.len()), (4, 4), "{one:?}");
    // One track, both cakes: the baker is one thread.
    assert!(mixes.iter().all(|m| m.track == mixes[0].track));
    assert!(mixes.iter().any(|m| m.name.starts_with("cake 1")));
    assert!(mixes.iter().any(|m| m.name.starts_with("cake 2")));
    assert_eq!(most_at_once(&mixes), 1, "one baker mixed two cakes at once");
    // Concurrency: while one cake bakes, the baker mixes the other.
    let hidden = ovens
        .iter()
        .any(|o| mixes.iter().any(|m| m.start < o.end && o.start < m.end));
    assert!(hidden, "no oven ran while the baker mixed: {one:?}");
    // The sequential kitchen does one thing at a time, mixing or oven.
    assert_eq!(most_at_once(&trace.slices_of("sequential")), 1);
    // The trace holds the spans the summary was computed from.
    let two: Vec<_> = trace
        .slices_of("two bakers")
        .into_iter()
        .filter(|s| s.kind.starts_with("mixing"))
        .collect();
    let tracks: std::collections::HashSet<_> = two.iter().map(|m| &m.track).collect();
    assert_eq!(tracks.len(), 2, "two bakers, two tracks: {two:?}");
    let overlap_s = overlap(&two) / 1e6;
    let said = number(&s, "overlap_s_two_bakers");
    assert!(
        (overlap_s - said).abs() < 0.002,
        "trace {overlap_s} s, summary {said} s"
    );
}

/// Time (microseconds) during which two of `slices` were in progress at once.
fn overlap(slices: &[&common::Slice]) -> f64 {
    let mut shared = 0.0;
    for (i, a) in slices.iter().enumerate() {
        for b in &slices[i + 1..] {
            shared += (a.end.min(b.end) - a.start.max(b.start)).max(0.0);
        }
    }
    shared
}

#[test]
fn no_kitchen_claims_more_cores_than_it_had() {
    let (trace, s) = traced(&[BIN.to_string()], &SMALL);
    let cores = number(&s, "cores");
    // The process's CPU clock, read every 40 ms: one thread mixing keeps one core busy
    // (the meter's own reading adds a little), two at most two, never more than the cores.
    assert!(highest(&trace, "sequential") <= 1.15);
    assert!(highest(&trace, "one baker") <= 1.15);
    assert!(highest(&trace, "two bakers") <= cores.min(2.0) + 0.15);
    // Part two's kitchens were pinned to one core: one core's worth at most.
    assert!(highest(&trace, "1 core: one baker") <= 1.15);
    assert!(highest(&trace, "1 core: two bakers") <= 1.15);
    // And each mixing slice got at most its own wall time as CPU.
    for m in trace.slices.iter().filter(|s| s.kind.starts_with("mixing")) {
        let numbers: Vec<f64> = m.name.split(' ').filter_map(|w| w.parse().ok()).collect();
        let (cpu_ms, wall_ms) = (numbers[numbers.len() - 2], numbers[numbers.len() - 1]);
        assert!(cpu_ms <= wall_ms + 1.0, "{}", m.name);
    }
}

/// Pinned to one core, the two bakers' mixes still overlap in time (the OS interleaves the
/// two threads: concurrency), but the trace's cores-busy level never passes one core.
#[test]
fn on_one_core_two_bakers_overlap_in_time_but_add_up_to_one_core() {
    let Some(pinned) = local::on_one_core(BIN) else {
        println!("skipped: no `taskset` here to pin the demo to one core");
        return;
    };
    let (trace, s) = traced(
        &pinned,
        &["--work-ms", "40", "--oven-ms", "10", "--steps", "2"],
    );
    assert_eq!(number(&s, "cores"), 1.0);
    let two: Vec<_> = trace
        .slices_of("two bakers")
        .into_iter()
        .filter(|s| s.kind.starts_with("mixing"))
        .collect();
    assert_eq!(
        most_at_once(&two),
        2,
        "the two threads' mixes did not overlap: {two:?}"
    );
    let top = highest(&trace, "two bakers");
    assert!(top <= 1.15, "{top} cores busy on one core");
}

#[test]
fn the_trace_changes_no_figure() {
    let plain = Command::new(BIN).args(SMALL).output().unwrap();
    let without = summary(&String::from_utf8_lossy(&plain.stdout));
    let (_, with) = traced(&[BIN.to_string()], &SMALL);
    for key in ["cores", "results_equal", "ideal_s"] {
        assert_eq!(without[key], with[key], "{key}");
    }
    assert_eq!(without.len(), with.len());
}

#[test]
fn a_trace_that_cannot_be_written_is_one_error_line() {
    let out = Command::new(BIN)
        .args([
            "--work-ms",
            "1",
            "--oven-ms",
            "1",
            "--steps",
            "1",
            "--trace",
            "/nonexistent-dir/t.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: cannot write the trace to /nonexistent-dir/t.json"),
        "{stderr}"
    );
}

/// The twin's trace: the same groups and tracks, and the GIL's contrast: its two baker
/// threads never mix with more than about one core's worth, its two processes may.
#[test]
fn the_python_twins_trace_shows_the_gil() {
    let Some(twin) = common::python_twin() else {
        return;
    };
    let program: Vec<String> = std::iter::once(twin.get_program())
        .chain(twin.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let (trace, _) = traced(
        &program,
        &["--work-ms", "30", "--oven-ms", "60", "--steps", "2"],
    );
    assert_eq!(trace.groups.len(), 6, "{:?}", trace.groups);
    let one: Vec<_> = trace
        .slices_of("one baker")
        .into_iter()
        .filter(|s| s.kind.starts_with("mixing"))
        .collect();
    assert_eq!(one.len(), 4);
    assert_eq!(most_at_once(&one), 1);
    assert!(highest(&trace, "one baker") <= 1.02);
    let gil = highest(&trace, "two bakers");
    assert!(
        gil < 1.5,
        "two Python threads mixed with {gil} cores' worth"
    );
}
