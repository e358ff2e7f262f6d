//! `--trace`: each way of running the jobs is a group of the trace, each of its workers (the
//! main thread, a std thread, a forked child, a rayon worker) a track, and each job a slice
//! on the track of the worker that ran it, so the picture shows the jobs side by side on
//! the cores. A forked child cannot record into its parent's memory: it sends its jobs'
//! times back with their results, and the parent records them.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::trace::{Trace, Track};

/// The most workers of one way drawn as tracks; a larger run records these and says so.
const MOST_TRACKS: usize = 100;

/// Where one way records its jobs.
pub struct Lanes<'t> {
    trace: Option<&'t Trace>,
    tracks: Vec<Track>,
    zero: Instant,
}

impl<'t> Lanes<'t> {
    /// A group named `way`, with one track per worker: "`noun` 0", "`noun` 1", ...
    pub fn new(trace: &'t Trace, way: &str, noun: &str, workers: usize) -> Self {
        if !trace.is_on() {
            return Lanes::none(trace);
        }
        let group = trace.group(way);
        let tracks = (0..workers.min(MOST_TRACKS))
            .map(|k| match noun {
                "main thread" => trace.track(group, noun),
                _ => trace.track(group, &format!("{noun} {k}")),
            })
            .collect();
        if workers > MOST_TRACKS {
            let text = format!(
                "{way}: only the first {MOST_TRACKS} of its {workers} workers are recorded"
            );
            println!("trace: {text}");
            trace.note(&text);
        }
        Lanes {
            trace: Some(trace),
            tracks,
            zero: trace.start(),
        }
    }

    /// Lanes that record nothing (the untimed warm-up, a run without `--trace`).
    pub fn none(trace: &Trace) -> Self {
        Lanes {
            trace: None,
            tracks: Vec::new(),
            zero: trace.start(),
        }
    }

    /// The clock's zero, for a forked child's times: the same monotonic clock in both.
    pub fn zero(&self) -> Instant {
        self.zero
    }

    /// Worker `worker` ran job `j` (the sum of i*i below `n`) from `from` to `to`.
    pub fn job(&self, worker: usize, j: usize, n: u64, from: Instant, to: Instant) {
        if let (Some(trace), Some(&track)) = (self.trace, self.tracks.get(worker)) {
            trace.slice(
                track,
                "job",
                &format!("job {j}: sum of i*i below {n}"),
                from,
                to,
            );
        }
    }

    /// The same, from a child's times in nanoseconds after `zero`.
    pub fn job_ns(&self, worker: usize, j: usize, n: u64, from_ns: u64, to_ns: u64) {
        let at = |ns| self.zero + Duration::from_nanos(ns);
        self.job(worker, j, n, at(from_ns), at(to_ns));
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
