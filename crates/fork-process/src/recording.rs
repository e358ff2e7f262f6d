//! `--trace`: the parent records what it sees of each child, from the fork to the reap
//! (waitpid), on a lane of the child's own; each child of the sum sends back when it
//! summed its range with its part, so its lane shows the work too. The 200 threads and
//! 200 forks that measure what each costs are not drawn (the trace says so).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use nix::sys::wait::WaitStatus;
use nix::unistd::Pid;

use crate::children::{Child, describe};
use crate::trace::Trace;

/// The most children drawn as tracks; a larger run records these and says so.
const MOST_TRACKS: usize = 100;

/// The first experiment: one child, forked, read and reaped.
pub fn the_copy(trace: &Trace, child: Pid, forked: Instant, reaped: Instant, status: &str) {
    if !trace.is_on() {
        return;
    }
    let group = trace.group("a child gets a copy of the memory");
    let track = trace.track(group, &format!("child pid {child}"));
    let name = format!("child pid {child}: sets its own copy of value, sends it, {status}");
    trace.slice(track, "child process, fork to reap", &name, forked, reaped);
    trace.instant(track, "forked", forked);
    trace.instant(track, "reaped (waitpid)", reaped);
}

/// The forked sum: a lane per child, from fork to reap, with the sum it ran inside.
pub fn the_sum(trace: &Trace, running: &[Child], statuses: &[nix::Result<WaitStatus>]) {
    if !trace.is_on() {
        return;
    }
    let group = trace.group(&format!("the sum, in {} forked children", running.len()));
    for (child, status) in running.iter().zip(statuses).take(MOST_TRACKS) {
        let (n, pid) = (child.number, child.pid);
        let track = trace.track(group, &format!("child {n} (pid {pid})"));
        let reaped = child.reaped.unwrap_or(child.forked);
        let status = status
            .as_ref()
            .map_or("could not be reaped".into(), |s| describe(*s));
        let name = format!("child {n} (pid {pid}): forked, summed, {status}");
        trace.slice(
            track,
            "child process, fork to reap",
            &name,
            child.forked,
            reaped,
        );
        if let Some((from, to)) = child.summed_ns {
            let at = |ns| trace.start() + Duration::from_nanos(ns);
            let (a, b) = (child.range.start, child.range.end);
            let name = format!("child {n}: sum of i*i for i in {a}..{b}");
            trace.slice(track, "sums its range", &name, at(from), at(to));
        }
        trace.instant(track, "forked", child.forked);
        trace.instant(track, "reaped (waitpid)", reaped);
    }
    if running.len() > MOST_TRACKS {
        let text = format!(
            "only the first {MOST_TRACKS} of {} children are recorded",
            running.len()
        );
        println!("trace: {text}");
        trace.note(&text);
    }
}

/// The same sum on the parent alone, for comparison.
pub fn sequential(trace: &Trace, size: u64, began: Instant, ended: Instant) {
    if trace.is_on() {
        let track = trace.track(trace.group("the same sum, sequential"), "parent alone");
        let name = format!("parent: sum of i*i for i in 0..{size}");
        trace.slice(track, "sums its range", &name, began, ended);
        trace.note("the 200 thread starts and 200 forks that measure their cost are not drawn");
    }
}

/// Writes the trace to `path` (when `--trace` asked for one), and says so in one line.
pub fn write(trace: &Trace, path: Option<&Path>) -> anyhow::Result<()> {
    if let Some(path) = path {
        trace.write(path).with_context(|| {
            format!(
                "cannot write the trace to {}; check that its folder exists",
                path.display()
            )
        })?;
        println!(
            "trace written to {} (open it in ui.perfetto.dev or vizviewer)",
            path.display()
        );
    }
    Ok(())
}
