//! Counts how spawned jobs ended when nobody joins them: completed, or dropped unfinished
//! (their `Drop` ran). The guard is made when the job is handed over, so a job the
//! runtime drops before ever polling it is counted too.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Instant;

use crate::trace::{Group, Trace, Track};

#[derive(Clone)]
pub struct Witness(Arc<Tallies>);

struct Tallies {
    spawned: AtomicUsize,
    completed: AtomicUsize,
    dropped: AtomicUsize,
    trace: Arc<Trace>,
    group: Group,
}

/// What the witness saw.
pub struct Counts {
    pub spawned: usize,
    pub completed: usize,
    pub dropped: usize,
}

impl Witness {
    /// A witness whose jobs are drawn as the group `name` of `trace`.
    pub fn new(trace: &Arc<Trace>, name: &str) -> Self {
        Witness(Arc::new(Tallies {
            spawned: AtomicUsize::new(0),
            completed: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
            trace: Arc::clone(trace),
            group: trace.group(name),
        }))
    }

    /// A moment of main's: "main returns".
    pub fn main(&self, what: &str) {
        let t = &self.0;
        let main = t.trace.track(t.group, "main");
        t.trace.instant(main, what, Instant::now());
    }

    /// `work`, counted: completed if it runs to its end, dropped if not.
    pub fn watch<F: Future + Send + 'static>(
        &self,
        work: F,
    ) -> impl Future<Output = F::Output> + Send + 'static
    where
        F::Output: Send,
    {
        let n = self.0.spawned.fetch_add(1, SeqCst) + 1;
        let track = self
            .0
            .trace
            .track(self.0.group, &format!("job {n}: 3 x 100 ms"));
        let guard = Guard {
            witness: self.clone(),
            completed: false,
            track,
            from: Instant::now(),
        };
        async move {
            let mut guard = guard;
            let output = work.await;
            guard.completed = true;
            output
        }
    }

    pub fn counts(&self) -> Counts {
        Counts {
            spawned: self.0.spawned.load(SeqCst),
            completed: self.0.completed.load(SeqCst),
            dropped: self.0.dropped.load(SeqCst),
        }
    }
}

struct Guard {
    witness: Witness,
    completed: bool,
    track: Track,
    from: Instant,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let tallies = &self.witness.0;
        let (kind, name) = match self.completed {
            true => ("completed", "completed all 3 steps"),
            false => (
                "dropped with the runtime",
                "dropped unfinished with the runtime",
            ),
        };
        let (from, now) = (self.from, Instant::now());
        tallies.trace.slice(self.track, kind, name, from, now);
        if self.completed {
            tallies.completed.fetch_add(1, SeqCst);
        } else {
            tallies.dropped.fetch_add(1, SeqCst);
        }
    }
}
