//! Measuring: wall time and CPU time of a run (this process's, or its reaped children's),
//! and the median of many short runs.

use std::time::{Duration, Instant};

use anyhow::Context;
use nix::sys::resource::{UsageWho, getrusage};

/// How long a run took on the clock on the wall, and on the CPU (seconds).
#[derive(Clone, Copy)]
pub struct Timed {
    pub wall: f64,
    pub cpu: f64,
}

/// A run being timed: the wall clock and the CPU time of `who` when it started.
pub struct Clock {
    who: UsageWho,
    started: Instant,
    cpu_before: f64,
}

impl Clock {
    pub fn start(who: UsageWho) -> anyhow::Result<Self> {
        let started = Instant::now();
        let cpu_before = cpu_seconds(who)?;
        Ok(Clock {
            who,
            started,
            cpu_before,
        })
    }

    pub fn stop(&self) -> anyhow::Result<Timed> {
        let wall = self.started.elapsed().as_secs_f64();
        let cpu = cpu_seconds(self.who)? - self.cpu_before;
        Ok(Timed { wall, cpu })
    }
}

/// CPU time used so far by this process (RUSAGE_SELF) or by its reaped children
/// (RUSAGE_CHILDREN), user and system together, in seconds.
fn cpu_seconds(who: UsageWho) -> anyhow::Result<f64> {
    let usage = getrusage(who).context("cannot read the CPU time used (getrusage)")?;
    let seconds = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 * 1e-6;
    Ok(seconds(usage.user_time()) + seconds(usage.system_time()))
}

/// Times `once` `rounds` times; the median, in microseconds.
pub fn median_us(
    rounds: usize,
    mut once: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<f64> {
    let mut times: Vec<Duration> = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        once()?;
        times.push(started.elapsed());
    }
    times.sort_unstable();
    Ok(times
        .get(times.len() / 2)
        .map_or(0.0, |d| d.as_secs_f64() * 1e6))
}
