//! The witness each part runs its sleeps under: a `nap` counts how it ended (slept to the
//! end, or dropped on the way), prints that end as it happens, and draws it in the part's
//! group of the `--trace` file: one track per nap, a slice from its start to its end.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use crate::trace::{Group, Trace, Track};

/// How the naps of one part ended; cheap to clone, shared with spawned tasks.
#[derive(Clone)]
pub struct Tally(Arc<Counts>);

struct Counts {
    start: Instant,
    started: AtomicUsize,
    finished: AtomicUsize,
    dropped: AtomicUsize,
    trace: Arc<Trace>,
    group: Group,
    caller: std::sync::OnceLock<Track>,
}

/// The legend's words for how a nap's sleep ended.
pub const SLEPT: &str = "slept to the end";
pub const DROPPED: &str = "dropped mid-sleep";
/// The counter each part's group shows: naps started and not ended yet.
pub const RUNNING: &str = "naps running";

impl Tally {
    /// The naps of one part, drawn in a group of `trace` called `part` (a row of the run).
    pub fn new(trace: &Arc<Trace>, part: &str) -> Self {
        let group = trace.group(part);
        Tally(Arc::new(Counts {
            start: Instant::now(),
            started: AtomicUsize::new(0),
            finished: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
            trace: Arc::clone(trace),
            group,
            caller: std::sync::OnceLock::new(),
        }))
    }

    /// A moment of the caller's the lesson turns on: "select! returns".
    pub fn mark(&self, what: &str) {
        let c = &self.0;
        let caller = c
            .caller
            .get_or_init(|| c.trace.track(c.group, "the caller"));
        c.trace.instant(*caller, what, Instant::now());
    }

    /// Something of the caller's that took from `from` until now, on a track of its own.
    pub fn span(&self, track: &str, kind: &str, name: &str, from: Instant) {
        let c = &self.0;
        if c.trace.is_on() {
            let track = c.trace.track(c.group, track);
            c.trace.slice(track, kind, name, from, Instant::now());
        }
    }

    fn count_running(&self, at: Instant) {
        let c = &self.0;
        c.trace.counter(c.group, RUNNING, at, self.running() as f64);
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
    from: Instant,
    track: Option<Track>,
}

impl Guard {
    fn new(tally: Tally, delay: Duration) -> Self {
        let ms = delay.as_millis() as u64;
        let c = &tally.0;
        let track = c
            .trace
            .is_on()
            .then(|| c.trace.track(c.group, &format!("nap {ms} ms")));
        c.started.fetch_add(1, SeqCst);
        let from = Instant::now();
        tally.count_running(from);
        Guard {
            tally,
            ms,
            finished: false,
            from,
            track,
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
        let now = Instant::now();
        let at = now.duration_since(counts.start).as_secs_f64();
        if let Some(track) = self.track {
            let (kind, how) = match self.finished {
                true => (SLEPT, "slept to the end"),
                false => (DROPPED, "dropped before its end, cleanup ran"),
            };
            let name = format!("nap {} ms: {how}", self.ms);
            counts.trace.slice(track, kind, &name, self.from, now);
        }
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
        self.tally.count_running(now);
    }
}
