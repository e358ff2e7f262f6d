//! Counters a job reports to: how many times it started, finished, and was cleaned up
//! before the end (its guard dropped while it was unfinished: cancelled). Each case is
//! also a group of the `--trace` file: the job's track shows it from its start until it
//! really stopped, the caller's track the moment it gave up.

use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::trace::{Trace, Track};

/// Shared by a job and the code that cancels it; cloned into the job.
#[derive(Clone)]
pub struct Counts(Arc<Shared>);

struct Shared {
    n: [AtomicU32; 3],
    trace: Arc<Trace>,
    job: Track,
    caller: Track,
    started_at: Mutex<Option<Instant>>,
}

/// The legend's words: how the job's slice ended.
pub const RAN: &str = "ran to the end";
pub const STOPPED: &str = "stopped at its .await";

const STARTED: usize = 0;
const COMPLETED: usize = 1;
const CLEANUP: usize = 2;

/// What the counters read at the end of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tally {
    pub started: u32,
    pub completed: u32,
    pub cleanup: u32,
}

impl Counts {
    /// The counts of one case, drawn as the group `case` of `trace`.
    pub fn drawn(trace: &Arc<Trace>, case: &str) -> Counts {
        let group = trace.group(case);
        Counts(Arc::new(Shared {
            n: Default::default(),
            trace: Arc::clone(trace),
            job: trace.track(group, "the job"),
            caller: trace.track(group, "the caller"),
            started_at: Mutex::new(None),
        }))
    }

    /// The moment the caller stops waiting, or does what the case is about: "abort()".
    pub fn caller(&self, what: &str) {
        self.0.trace.instant(self.0.caller, what, Instant::now());
    }

    /// The job has started; the guard it gets back records how it ended.
    pub fn start(&self) -> Guard {
        *self.0.started_at.lock().unwrap() = Some(Instant::now());
        self.0.n[STARTED].fetch_add(1, SeqCst);
        Guard {
            counts: self.clone(),
            finished: false,
        }
    }

    pub fn tally(&self) -> Tally {
        let read = |i: usize| self.0.n[i].load(SeqCst);
        Tally {
            started: read(STARTED),
            completed: read(COMPLETED),
            cleanup: read(CLEANUP),
        }
    }

    /// Waits until the job has started, without guessing how long that takes.
    pub async fn started(&self) -> anyhow::Result<Tally> {
        self.until(|t| t.started > 0, "start").await
    }

    /// Waits until the job has finished, without guessing how long that takes.
    pub async fn completed(&self) -> anyhow::Result<Tally> {
        self.until(|t| t.completed > 0, "finish").await
    }

    async fn until(&self, done: impl Fn(Tally) -> bool, what: &str) -> anyhow::Result<Tally> {
        let deadline = Instant::now() + LONGEST;
        loop {
            let tally = self.tally();
            if done(tally) {
                return Ok(tally);
            }
            if Instant::now() > deadline {
                anyhow::bail!(
                    "a job did not {what} within {} s; the machine may be overloaded: \
                     try again on a quieter machine, or with a smaller --work-ms",
                    LONGEST.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

/// How long a job may take to start or finish before the demo gives up: far beyond the
/// longest --work-ms, reached only on a machine too busy to run it.
const LONGEST: Duration = Duration::from_secs(60);

/// The job's cleanup: Drop is the only code of a dropped future that still runs.
pub struct Guard {
    counts: Counts,
    finished: bool,
}

impl Guard {
    /// The job reached its end.
    pub fn finish(mut self) {
        self.finished = true;
        self.counts.0.n[COMPLETED].fetch_add(1, SeqCst);
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if !self.finished {
            self.counts.0.n[CLEANUP].fetch_add(1, SeqCst); // dropped mid-way: cancelled
        }
        let shared = &self.counts.0;
        let from = *shared.started_at.lock().unwrap();
        if let (true, Some(from)) = (shared.trace.is_on(), from) {
            let now = Instant::now();
            let ms = now.duration_since(from).as_millis();
            let (kind, name) = match self.finished {
                true => (RAN, format!("the job: ran to its end, {ms} ms")),
                false => (
                    STOPPED,
                    format!("the job: dropped at its .await after {ms} ms, cleanup ran"),
                ),
            };
            shared.trace.slice(shared.job, kind, &name, from, now);
        }
    }
}

/// What the caller got back when it stopped waiting: shown in the table as Rust writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Got {
    /// `Ok(..)`: the job, or the handle, came back with its result.
    Ok,
    /// `Err(Elapsed)`: the timeout's time was up first.
    Elapsed,
    /// `Err(JoinError::Cancelled)`: the task was aborted.
    Cancelled,
    /// Nothing: the caller never waited for a result.
    Nothing,
}

impl Got {
    /// As the table shows it: what the Rust caller holds.
    pub fn shown(self) -> &'static str {
        match self {
            Got::Ok => "Ok",
            Got::Elapsed => "Err(Elapsed)",
            Got::Cancelled => "Err(Cancelled)",
            Got::Nothing => "-",
        }
    }
}

impl Tally {
    /// What happened to the job, in one word (the table's "the job" column, the case's
    /// value in the summary line; the twin uses the same words): cancelled (started,
    /// never completed, its cleanup ran), finished (started and completed, no cleanup),
    /// never_ran (not even started). Any other count is written out in full.
    pub fn word(self) -> String {
        match (self.started, self.completed, self.cleanup) {
            (1, 0, 1) => "cancelled".to_string(),
            (1, 1, 0) => "finished".to_string(),
            (0, 0, 0) => "never_ran".to_string(),
            (s, c, k) => format!("started{s}_completed{c}_cleanup{k}"),
        }
    }
}
