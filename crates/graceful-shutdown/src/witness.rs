//! Counts how spawned jobs ended when nobody joins them: completed, or dropped unfinished
//! (their `Drop` ran). The guard is made when the job is handed over, so a job the
//! runtime drops before ever polling it is counted too.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

#[derive(Clone, Default)]
pub struct Witness(Arc<Tallies>);

#[derive(Default)]
struct Tallies {
    spawned: AtomicUsize,
    completed: AtomicUsize,
    dropped: AtomicUsize,
}

/// What the witness saw.
pub struct Counts {
    pub spawned: usize,
    pub completed: usize,
    pub dropped: usize,
}

impl Witness {
    pub fn new() -> Self {
        Self::default()
    }

    /// `work`, counted: completed if it runs to its end, dropped if not.
    pub fn watch<F: Future + Send + 'static>(
        &self,
        work: F,
    ) -> impl Future<Output = F::Output> + Send + 'static
    where
        F::Output: Send,
    {
        self.0.spawned.fetch_add(1, SeqCst);
        let guard = Guard {
            witness: self.clone(),
            completed: false,
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
}

impl Drop for Guard {
    fn drop(&mut self) {
        let tallies = &self.witness.0;
        if self.completed {
            tallies.completed.fetch_add(1, SeqCst);
        } else {
            tallies.dropped.fetch_add(1, SeqCst);
        }
    }
}
