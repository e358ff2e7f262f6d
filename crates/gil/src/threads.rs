//! The harness that runs work on named threads and measures it: wall time, the CPU time
//! of the whole process, and the spans each thread reports (when it held the GIL, ran
//! native code, or waited for I/O).

use std::ops::Range;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use nix::time::{ClockId, clock_gettime};

/// One stretch of time a thread spent running bytecode (or native code, or waiting for
/// I/O), measured from the start of its run.
#[derive(Clone, Copy, Debug)]
pub struct Span {
    pub start: Duration,
    pub end: Duration,
}

/// Where a thread records the spans it was busy, for the timeline: the idea code calls
/// `record` with the instant a span began, and the span ends now.
pub struct Spans {
    t0: Instant,
    list: Vec<Span>,
}

impl Spans {
    /// An empty list, its spans measured from `t0`.
    pub fn new(t0: Instant) -> Self {
        Spans {
            t0,
            list: Vec::new(),
        }
    }

    pub fn into_list(self) -> Vec<Span> {
        self.list
    }

    pub fn record(&mut self, began: Instant) {
        self.list.push(Span {
            start: began - self.t0,
            end: self.t0.elapsed(),
        });
    }
}

/// What one run on one or more threads measured.
pub struct Run {
    /// When the run began: the spans are measured from it.
    pub t0: Instant,
    pub elapsed: Duration,
    /// CPU time the whole process used during the run, on all its cores together.
    pub cpu: Duration,
    pub result: u64,
    pub spans: Vec<Vec<Span>>,
}

/// Runs `work` on `n` named threads; each returns its result and records its spans.
pub fn on_threads<F>(n: usize, work: F) -> anyhow::Result<Run>
where
    F: Fn(usize, &mut Spans) -> u64 + Sync,
{
    let cpu_before = process_cpu_time()?;
    let t0 = Instant::now();
    let outcomes =
        thread::scope(|scope| {
            let mut handles = Vec::with_capacity(n);
            for k in 0..n {
                let work = &work;
                let spawned = thread::Builder::new()
                    .name(format!("worker-{k}"))
                    .spawn_scoped(scope, move || {
                        let mut spans = Spans::new(t0);
                        (work(k, &mut spans), spans.into_list())
                    });
                // On failure, the threads already started finish when the scope ends.
                handles.push(spawned.with_context(|| {
                    format!("cannot start thread {k} of {n}; try fewer --threads")
                })?);
            }
            let joined: Result<Vec<_>, _> = handles.into_iter().map(|h| h.join()).collect();
            joined.map_err(|_| anyhow!("a worker thread panicked; this is a bug in the demo"))
        })?;
    let elapsed = t0.elapsed();
    let cpu = process_cpu_time()?.saturating_sub(cpu_before);
    let result = outcomes
        .iter()
        .fold(0u64, |acc, (r, _)| acc.wrapping_add(*r));
    let spans = outcomes.into_iter().map(|(_, spans)| spans).collect();
    Ok(Run {
        t0,
        elapsed,
        cpu,
        result,
        spans,
    })
}

/// CPU time used so far by all the threads of this process. Divided by the wall time of
/// a run, it says how many cores were busy on average: the GIL holds it to one.
fn process_cpu_time() -> anyhow::Result<Duration> {
    clock_gettime(ClockId::CLOCK_PROCESS_CPUTIME_ID)
        .map(Duration::from)
        .context("cannot read the process CPU clock; is this Linux or macOS?")
}

/// The part of `0..total` that thread `k` of `n` takes.
pub fn share(total: u64, n: usize, k: usize) -> Range<u64> {
    let at = |i: usize| (total as u128 * i as u128 / n as u128) as u64;
    at(k)..at(k + 1)
}

#[cfg(test)]
mod tests {
    use super::share;

    #[test]
    fn shares_cover_the_range_exactly() {
        for n in 1..9 {
            let parts: Vec<_> = (0..n).map(|k| share(1000, n, k)).collect();
            assert_eq!(parts[0].start, 0);
            assert_eq!(parts[n - 1].end, 1000);
            assert!(parts.windows(2).all(|w| w[0].end == w[1].start));
        }
    }
}
