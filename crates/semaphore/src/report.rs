//! The harness: one printed line per way of sending the requests, the closing summary
//! line, and the closed-pipe hook.

use std::fmt;
use std::time::Duration;

/// What one way of sending the requests measured.
pub struct Row {
    pub elapsed: Duration,
    /// The most requests the server had in progress at once.
    pub server_peak: usize,
    /// The most client tasks alive at once (0 where nothing is spawned).
    pub tasks_peak: usize,
}

impl Row {
    /// Elapsed time over the time the waits alone take, `rounds` latencies back to back.
    pub fn ratio(&self, rounds: usize, latency: Duration) -> f64 {
        self.elapsed.as_secs_f64() / (rounds as f64 * latency.as_secs_f64())
    }

    pub fn print(&self, name: &str, rounds: usize, latency: Duration) {
        println!(
            "{name:<34} {:>6.3} s = {:.2} x {rounds} x {} ms   in progress at the server: at most {:<5} tasks alive: at most {}",
            self.elapsed.as_secs_f64(),
            self.ratio(rounds, latency),
            latency.as_millis(),
            self.server_peak,
            self.tasks_peak
        );
    }
}

/// The figures this run measured, printed as the closing `summary:` line.
pub struct Summary {
    pub requests: usize,
    pub limit: usize,
    pub latency: Duration,
    pub semaphore: Row,
    pub buffered: Row,
    pub unlimited: Row,
    pub available_after: usize,
}

impl Summary {
    /// Latencies back to back when at most `limit` requests wait at once.
    pub fn rounds(&self) -> usize {
        self.requests.div_ceil(self.limit)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (rounds, latency) = (self.rounds(), self.latency);
        let ideal = latency.as_secs_f64() * (2 * rounds + 1) as f64;
        write!(
            f,
            "summary: requests={} limit={} latency_ms={} peak_semaphore={} tasks_semaphore={} \
             ratio_semaphore={:.3} peak_buffered={} ratio_buffered={:.3} peak_unlimited={} \
             tasks_unlimited={} ratio_unlimited={:.3} available_after={} ideal_s={ideal:.3}",
            self.requests,
            self.limit,
            latency.as_millis(),
            self.semaphore.server_peak,
            self.semaphore.tasks_peak,
            self.semaphore.ratio(rounds, latency),
            self.buffered.server_peak,
            self.buffered.ratio(rounds, latency),
            self.unlimited.server_peak,
            self.unlimited.tasks_peak,
            self.unlimited.ratio(1, latency),
            self.available_after,
        )
    }
}

/// `demo | head` closes the pipe early, and the next `println!` then panics with
/// "Broken pipe". The reader is done, the program is not wrong: end quietly, status 0.
pub fn end_quietly_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.to_string().contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
