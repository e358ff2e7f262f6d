//! The harness: one printed line per way of sending the requests, and the closing
//! summary line.

use std::fmt;
use std::time::Duration;

use crate::output::write_summary;

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
        let ratio = |row: &Row, rounds| format!("{:.3}", row.ratio(rounds, latency));
        write_summary(
            f,
            &[
                ("requests", self.requests.to_string()),
                ("limit", self.limit.to_string()),
                ("latency_ms", latency.as_millis().to_string()),
                ("peak_semaphore", self.semaphore.server_peak.to_string()),
                ("tasks_semaphore", self.semaphore.tasks_peak.to_string()),
                ("ratio_semaphore", ratio(&self.semaphore, rounds)),
                ("peak_buffered", self.buffered.server_peak.to_string()),
                ("ratio_buffered", ratio(&self.buffered, rounds)),
                ("peak_unlimited", self.unlimited.server_peak.to_string()),
                ("tasks_unlimited", self.unlimited.tasks_peak.to_string()),
                ("ratio_unlimited", ratio(&self.unlimited, 1)),
                ("available_after", self.available_after.to_string()),
                ("ideal_s", format!("{ideal:.3}")),
            ],
        )
    }
}
