//! Where one row of the table is drawn in the `--trace` file: a group per row, a track per
//! task, and a slice for each task from when it began to run until it ended.

use std::sync::Arc;
use std::time::Instant;

use crate::trace::{Group, Trace, Track};

/// The lanes of one row; cheap to clone into the tasks.
#[derive(Clone)]
pub struct Lanes {
    trace: Arc<Trace>,
    group: Group,
    kind: &'static str,
}

impl Lanes {
    pub fn new(trace: &Arc<Trace>, group: Group, kind: &'static str) -> Lanes {
        Lanes {
            trace: Arc::clone(trace),
            group,
            kind,
        }
    }

    fn track(&self, task: u32) -> Option<Track> {
        let trace = &self.trace;
        trace
            .is_on()
            .then(|| trace.track(self.group, &format!("task {}", task + 1)))
    }

    fn record(&self, track: Option<Track>, task: u32, from: Instant) {
        if let Some(track) = track {
            let to = Instant::now();
            let ms = to.duration_since(from).as_millis();
            let name = format!("task {}: {} for {ms} ms", task + 1, self.kind);
            self.trace.slice(track, self.kind, &name, from, to);
        }
    }

    /// `work`, drawn as task `task` from its first poll to its end.
    pub fn timed<F: Future>(&self, task: u32, work: F) -> impl Future<Output = F::Output> + use<F> {
        let (lanes, track) = (self.clone(), self.track(task));
        async move {
            let from = Instant::now();
            let out = work.await;
            lanes.record(track, task, from);
            out
        }
    }

    /// The blocking `work`, drawn as task `task` from its start on a thread to its end.
    pub fn timed_fn<T, F: FnOnce() -> T>(
        &self,
        task: u32,
        work: F,
    ) -> impl FnOnce() -> T + use<T, F> {
        let (lanes, track) = (self.clone(), self.track(task));
        move || {
            let from = Instant::now();
            let out = work();
            lanes.record(track, task, from);
            out
        }
    }
}
