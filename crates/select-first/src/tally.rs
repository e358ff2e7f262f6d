//! The witness each part runs its sleeps under: a `nap` counts how it ended (slept to the
//! end, or dropped on the way) and prints that end as it happens.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

/// How the naps of one part ended; cheap to clone, shared with spawned tasks.
#[derive(Clone)]
pub struct Tally(Arc<Counts>);

struct Counts {
    start: Instant,
    started: AtomicUsize,
    finished: AtomicUsize,
    dropped: AtomicUsize,
}

impl Tally {
    pub fn new() -> Self {
        Tally(Arc::new(Counts {
            start: Instant::now(),
            started: AtomicUsize::new(0),
            finished: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
        }))
    }

    /// Naps that slept to the end.
    pub fn finished(&self) -> usize {
        self.0.finished.load(SeqCst)
    }

    /// Naps dropped before the end: their cleanup (the guard's `Drop`) ran.
    pub fn dropped(&self) -> usize {
        self.0.dropped.load(SeqCst)
    }

    /// Naps started that have neither finished nor been dropped: still running.
    pub fn running(&self) -> usize {
        self.0.started.load(SeqCst) - self.finished() - self.dropped()
    }
}

// ANCHOR: nap
/// Sleeps `delay` and returns it in ms. The guard's `Drop` runs however the future ends:
/// after `finish()` if it slept to the end, or when a dropped future is torn down at
/// its `.await`. That synchronous `Drop` is all a cancelled Rust future still runs.
pub fn nap(tally: &Tally, delay: Duration) -> impl Future<Output = u64> + Send + 'static {
    let tally = tally.clone();
    async move {
        let guard = Guard::new(tally, delay);
        tokio::time::sleep(delay).await; // a dropped nap stops here, for good
        guard.finish()
    }
}
// ANCHOR_END: nap

/// Python's `try: ... finally:` around the sleep.
struct Guard {
    tally: Tally,
    ms: u64,
    finished: bool,
}

impl Guard {
    fn new(tally: Tally, delay: Duration) -> Self {
        tally.0.started.fetch_add(1, SeqCst);
        let ms = delay.as_millis() as u64;
        Guard {
            tally,
            ms,
            finished: false,
        }
    }

    fn finish(mut self) -> u64 {
        self.finished = true;
        self.ms
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let counts = &self.tally.0;
        let at = counts.start.elapsed().as_secs_f64();
        if self.finished {
            counts.finished.fetch_add(1, SeqCst);
            println!("    +{at:.3} s  {:>5} ms nap finished", self.ms);
        } else {
            counts.dropped.fetch_add(1, SeqCst);
            println!(
                "    +{at:.3} s  {:>5} ms nap dropped before its end: cleanup ran",
                self.ms
            );
        }
    }
}
