//! The `--trace` file asserts the lesson itself: the signal and the stop are moments; the
//! short jobs end inside the grace (quick before the signal, steady and chunky at their
//! next safe point), and the stuck one is aborted when the grace is over, not before.
//! Part 2: jobs spawned and never joined end when main returns, unfinished.

mod common;

use std::process::Command;

use common::{TempDir, python_twin, read_trace, summary};

const BIN: &str = env!("CARGO_BIN_EXE_graceful-shutdown");
const GRACE_MS: f64 = 500.0;

fn moment(trace: &common::Trace, group: &str, starts: &str) -> f64 {
    let m = trace
        .moments
        .iter()
        .find(|m| m.group.starts_with(group) && m.name.starts_with(starts));
    m.unwrap_or_else(|| panic!("no moment {starts} in {group}: {:?}", trace.moments))
        .at
        / 1e3
}

/// The job whose track starts with `name`: its kind and its end, in ms.
fn job(trace: &common::Trace, name: &str) -> (String, f64) {
    let s = trace
        .slices_of("1 Ctrl-C")
        .into_iter()
        .find(|s| s.track.starts_with(name));
    let s = s.unwrap_or_else(|| panic!("no job {name}"));
    (s.kind.clone(), s.end / 1e3)
}

fn the_shutdown_from_the_trace(trace: &common::Trace) {
    let signal = moment(trace, "1 Ctrl-C", "SIGINT");
    let stop = moment(trace, "1 Ctrl-C", "stop");
    assert!(
        (0.0..20.0).contains(&(stop - signal)),
        "the stop {stop} ms, the signal {signal} ms"
    );
    let (kind, end) = job(trace, "quick");
    assert_eq!(kind, "completed");
    assert!(
        end < signal,
        "quick ended at {end} ms, after the signal at {signal}"
    );
    for name in ["steady", "chunky"] {
        let (kind, end) = job(trace, name);
        assert_eq!(kind, "stopped at a safe point", "{name}");
        assert!(
            end > signal && end < signal + GRACE_MS,
            "{name} ended at {end}; signal {signal}"
        );
    }
    let (kind, end) = job(trace, "stuck");
    assert_eq!(kind, "aborted mid-step");
    let after = end - signal;
    assert!(
        (GRACE_MS * 0.98..GRACE_MS + 150.0).contains(&after),
        "stuck ended {after} ms after the signal"
    );
    // Part 2: without the join, every job ends, unfinished, when main returns.
    let returned = moment(trace, "2 main returns without", "main returns");
    let unjoined = trace.slices_of("2 main returns without");
    assert_eq!(unjoined.len(), 3);
    for s in unjoined {
        assert_eq!(s.kind, "dropped with the runtime", "{s:?}");
        assert!(
            (s.end / 1e3 - returned).abs() < 50.0,
            "{s:?} against {returned}"
        );
    }
    let joined = trace.slices_of("2 main returns after");
    assert!(
        joined.len() == 3 && joined.iter().all(|s| s.kind == "completed"),
        "{joined:?}"
    );
}

#[test]
fn the_trace_shows_the_short_jobs_in_the_grace_and_the_stuck_one_aborted() {
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let out = Command::new(BIN)
        .arg("--trace")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout
            .lines()
            .rev()
            .nth(1)
            .unwrap()
            .starts_with("trace written to "),
        "{stdout}"
    );
    the_shutdown_from_the_trace(&read_trace(&path));
}

#[test]
fn the_trace_changes_no_figure() {
    let plain = Command::new(BIN).output().unwrap();
    let plain = summary(&String::from_utf8(plain.stdout).unwrap());
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let with = Command::new(BIN)
        .arg("--trace")
        .arg(&path)
        .output()
        .unwrap();
    let with = summary(&String::from_utf8(with.stdout).unwrap());
    for key in plain
        .keys()
        .filter(|k| !k.ends_with("_s") && *k != "shutdown_over_grace")
    {
        assert_eq!(plain[key], with[key], "{key}");
    }
}

#[test]
fn the_python_twins_trace_shows_the_same_shutdown() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let out = twin.arg("--trace").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    the_shutdown_from_the_trace(&read_trace(&path));
}
