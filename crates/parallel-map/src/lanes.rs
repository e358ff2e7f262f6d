//! `--trace`: the sequential map and the pool's map, each a group of the trace; the thread
//! that ran the sequential map is one track, each pool thread another, and each call
//! `func(a, b)` a slice on the track of the thread that ran it. The items carry when
//! their call ran (measured either way), so `--trace` only writes them out. The last
//! round of each map is recorded (the table's times are the mean of two); the tiny items
//! are not (thousands of calls of nanoseconds), and the trace says so.

use std::path::Path;

use anyhow::Context;

use crate::report::Item;
use crate::trace::Trace;

/// The most pool threads drawn as tracks; a larger pool records these and says so.
const MOST_TRACKS: usize = 100;

pub fn record(trace: &Trace, n_jobs: usize, sequential: &[Item], parallel: &[Item]) {
    if !trace.is_on() {
        return;
    }
    let group = trace.group("sequential map");
    let main = trace.track(group, "main thread");
    for item in sequential {
        slice(trace, main, item);
    }
    let group = trace.group(&format!("rayon pool, n_jobs={n_jobs}"));
    let tracks: Vec<_> = (0..n_jobs.min(MOST_TRACKS))
        .map(|k| trace.track(group, &format!("pool thread {k}")))
        .collect();
    for item in parallel {
        if let Some(&track) = item.thread.and_then(|k| tracks.get(k)) {
            slice(trace, track, item);
        }
    }
    if n_jobs > MOST_TRACKS {
        let text =
            format!("only the first {MOST_TRACKS} of the pool's {n_jobs} threads are recorded");
        println!("trace: {text}");
        trace.note(&text);
    }
    trace.note("the last round of each map; the tiny items' maps are not recorded");
}

fn slice(trace: &Trace, track: crate::trace::Track, item: &Item) {
    let name = format!("func(7, {}), finished #{}", item.b, item.finished + 1);
    trace.slice(track, "func(a, b)", &name, item.ran.0, item.ran.1);
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
