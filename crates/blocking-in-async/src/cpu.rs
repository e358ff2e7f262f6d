//! A CPU loop of a set length: the blocking work that is not a sleep.

use std::hint::black_box;
use std::time::{Duration, Instant};

use nix::time::{ClockId, clock_gettime};

/// A loop that computes until its thread has used `cpu` of processor time. Counted in
/// CPU time, not wall time, so that it is the same work however busy the machine is:
/// two of them on one core take twice as long as one, as real work does.
#[derive(Clone, Copy, Debug)]
pub struct Spin {
    cpu: Duration,
}

impl Spin {
    /// Fails only where the OS has no per-thread CPU clock.
    pub fn new(cpu: Duration) -> nix::Result<Spin> {
        thread_cpu_time()?;
        Ok(Spin { cpu })
    }

    /// The wall time of one loop on this thread, with no other work of the demo running:
    /// the block itself on an idle core, longer when other programs share it.
    pub fn time_alone(self) -> Duration {
        let start = Instant::now();
        black_box(self.run());
        start.elapsed()
    }

    /// Runs the loop: the thread computes, and reaches no `.await`, until it is done.
    pub fn run(self) -> u64 {
        let start = thread_cpu_time().unwrap_or_default();
        let mut x = 0u64;
        loop {
            for i in 0..10_000u64 {
                x = black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i));
            }
            // An error cannot start here after the check in `new`; it would end the loop.
            match thread_cpu_time() {
                Ok(now) if now.saturating_sub(start) < self.cpu => continue,
                _ => return x,
            }
        }
    }
}

/// The processor time the calling thread has used so far.
fn thread_cpu_time() -> nix::Result<Duration> {
    clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID).map(Duration::from)
}
