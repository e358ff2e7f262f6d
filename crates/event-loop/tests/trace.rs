//! `--trace FILE`, read back: the loop's lesson asserted from the trace's own data. One
//! thread: no two polls (nor a poll and a wait in poll(2)) ever overlap, while the tasks'
//! parks do. A park on a socket ends at the wake-up that names its fd, and the task's next
//! poll comes after it. The ready queue is first come, first served: the first polls run
//! the tasks in the order they were spawned, and poll #n is the n-th slice in time. The
//! sleepers' timers fire nearest first. The twin's trace says the same, tokio's tasks end
//! in the same order, and `--trace` changes no figure of the run.

mod common;
mod local;

use std::process::{Command, Output};

use common::{Slice, TempDir, Trace, most_at_once, number, python_twin, read_trace, summary};

const ARGS: [&str; 4] = ["--clients", "2", "--step-ms", "60"];

fn ok(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn of_kind<'a>(trace: &'a Trace, kind: &str) -> Vec<&'a Slice> {
    let slices = trace.slices_of("scratch loop");
    slices.into_iter().filter(|s| s.kind == kind).collect()
}

/// The poll number in "poll #12: ...".
fn poll_number(s: &Slice) -> usize {
    let n = s
        .name
        .strip_prefix("poll #")
        .and_then(|r| r.split(':').next());
    n.and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{s:?}"))
}

/// The task names of the scratch loop's group, in the order they finished ("done").
fn finish_order(trace: &Trace, group: &str) -> Vec<String> {
    let mut done: Vec<_> = trace
        .moments
        .iter()
        .filter(|m| m.group.starts_with(group) && m.name == "done")
        .collect();
    done.sort_by(|a, b| a.at.total_cmp(&b.at));
    // "task 6 (echo)" on the scratch loop (named before it knows its client), "echo-1" on tokio.
    let name = |t: &str| {
        let name = t
            .split_once('(')
            .map_or(t, |(_, n)| n.trim_end_matches(')'));
        if name.starts_with("echo") {
            "echo"
        } else {
            name
        }
        .to_string()
    };
    done.iter().map(|m| name(&m.track)).collect()
}

/// What both the demo's trace and the twin's must show for 2 clients, step 60 ms: `polls`
/// and `parks_on_io` are the run's own counts, from its summary.
fn assert_the_lesson(trace: &Trace, polls: usize, parks_on_io: usize) {
    let tasks: Vec<&str> = trace
        .tracks
        .iter()
        .filter(|(g, t)| g.starts_with("scratch loop") && t.starts_with("task "))
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(tasks.len(), 8, "{tasks:?}");
    // One thread: the polls and the loop's waits never overlap one another...
    let mut ran = of_kind(trace, "polled (runs)");
    assert_eq!(ran.len(), polls);
    let mut thread: Vec<&Slice> = trace
        .slices_of("scratch loop")
        .into_iter()
        .filter(|s| s.kind.starts_with("waits in"))
        .collect();
    assert!(!thread.is_empty());
    thread.extend(&ran);
    assert_eq!(
        most_at_once(&thread),
        1,
        "two things at once on the loop's one thread"
    );
    // ... while the tasks' parks do: they all wait at the same time.
    let io = of_kind(trace, "parked on I/O");
    assert_eq!(io.len(), parks_on_io, "{io:#?}");
    let mut parks = io.clone();
    parks.extend(of_kind(trace, "parked on a timer"));
    assert!(most_at_once(&parks) >= 5, "{parks:#?}");
    // The order the loop ran them: poll #n is the n-th in time, and the first six run the
    // first six tasks in the order they were spawned (the ready queue is a FIFO).
    ran.sort_by(|a, b| a.start.total_cmp(&b.start));
    let numbers: Vec<usize> = ran.iter().map(|s| poll_number(s)).collect();
    assert_eq!(numbers, (1..=polls).collect::<Vec<_>>());
    let first: Vec<&str> = ran[..6].iter().map(|s| s.track.as_str()).collect();
    assert_eq!(first, tasks[..6]);
    // A park on a socket ends where its wake-up names the fd, and a poll follows it.
    for park in &io {
        let fd = park
            .name
            .split("fd ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .unwrap();
        let woken = trace.moments.iter().find(|m| {
            m.track == park.track && (m.at - park.end).abs() < 1.0 && m.name.contains("woken: fd ")
        });
        let woken = woken.unwrap_or_else(|| panic!("no wake-up at the end of {park:?}"));
        assert!(
            woken.name.contains(&format!("fd {fd} ")),
            "{woken:?} after {park:?}"
        );
        let next = ran
            .iter()
            .find(|p| p.track == park.track && p.start >= park.end);
        assert!(next.is_some(), "no poll after {park:?}");
    }
    // Timers fire nearest first: nap (30 ms), then rest (150 ms), then long (210 ms).
    let order = finish_order(trace, "scratch loop");
    let place = |name: &str| order.iter().position(|t| t == name).unwrap();
    assert!(
        place("nap") < place("rest") && place("rest") < place("long"),
        "{order:?}"
    );
}

#[test]
fn the_trace_shows_one_thread_polling_tasks_that_wait_together() {
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let out = Command::new(local::BIN)
        .args(ARGS)
        .arg("--trace")
        .arg(&path)
        .output()
        .unwrap();
    let stdout = ok(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    let written = format!("trace written to {} (open it", path.display());
    assert!(lines[lines.len() - 2].starts_with(&written), "{stdout}");
    let s = summary(&stdout);
    let trace = read_trace(&path);
    assert_the_lesson(
        &trace,
        number(&s, "polls") as usize,
        number(&s, "parks_on_io") as usize,
    );
    // tokio's tasks, as they saw it: the same finish order.
    let tokio = finish_order(&trace, "tokio");
    assert_eq!(tokio, finish_order(&trace, "scratch loop"));
}

#[test]
fn the_trace_changes_no_figure() {
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let plain = summary(&ok(&Command::new(local::BIN).args(ARGS).output().unwrap()));
    let out = Command::new(local::BIN)
        .args(ARGS)
        .arg("--trace")
        .arg(&path)
        .output()
        .unwrap();
    let traced = summary(&ok(&out));
    let keys = [
        "tasks",
        "same_results",
        "parks_on_io",
        "wakeups",
        "polls",
        "ready_order",
        "timer_order",
        "ideal_s",
    ];
    for key in keys {
        assert_eq!(plain[key], traced[key], "{key}");
    }
    for s in [&plain, &traced] {
        let ratio = number(s, "elapsed_s") / number(s, "longest_wait_s");
        assert!((1.0..1.5).contains(&ratio), "{s:?}");
    }
}

#[test]
fn a_trace_that_cannot_be_written_is_one_error_line() {
    let out = Command::new(local::BIN)
        .args([
            "--clients",
            "1",
            "--step-ms",
            "20",
            "--trace",
            "/nonexistent-folder/t.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines.len() == 1 && lines[0].starts_with("error: cannot write the trace"),
        "{stderr}"
    );
}

#[test]
fn the_python_twins_trace_shows_the_same() {
    let Some(mut twin) = python_twin() else {
        return;
    };
    let dir = TempDir::new();
    let path = dir.join("trace.json");
    let stdout = ok(&twin.args(ARGS).arg("--trace").arg(&path).output().unwrap());
    let s = summary(&stdout);
    let trace = read_trace(&path);
    assert_the_lesson(
        &trace,
        number(&s, "polls") as usize,
        number(&s, "parks_on_io") as usize,
    );
    let asyncio = finish_order(&trace, "asyncio");
    assert_eq!(asyncio, finish_order(&trace, "scratch loop"));
}
