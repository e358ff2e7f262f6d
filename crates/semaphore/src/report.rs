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

    /// One line of the table, printed as soon as the row is measured.
    pub fn print(&self, key: &str, how: &str, rounds: usize, latency: Duration) {
        println!(
            "{key:<10} {how:<36} {:>7.3} {rounds:>6} {:>6.2} {:>6} {:>6}",
            self.elapsed.as_secs_f64(),
            self.ratio(rounds, latency),
            self.server_peak,
            self.tasks_peak
        );
    }
}

/// The table's header: the first column is the row's key, as the summary names it.
pub fn print_header() {
    println!();
    println!(
        "{:<10} {:<36} {:>7} {:>6} {:>6} {:>6} {:>6}",
        "method", "how the requests are limited", "seconds", "rounds", "ratio", "peak", "tasks"
    );
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

    /// What the waits alone would take: the two limited rows' rounds and the unlimited
    /// row's one, each a latency.
    fn ideal_s(&self) -> f64 {
        self.latency.as_secs_f64() * (2 * self.rounds() + 1) as f64
    }

    /// What each column means, with this run's own numbers; then the figures outside it.
    pub fn print_legend(&self) {
        let (n, limit, rounds) = (self.requests, self.limit, self.rounds());
        let ms = self.latency.as_millis();
        let u = &self.unlimited;
        println!();
        println!("seconds = the row's wall time.");
        println!("rounds  = the {ms} ms waits the row needs one after another if only the waits");
        println!(
            "          cost: {n} requests, {limit} at a time: {n}/{limit} = {rounds}; with no limit, 1."
        );
        let extra = |row: &Row, rounds: usize| {
            row.elapsed.as_secs_f64() - rounds as f64 * self.latency.as_secs_f64()
        };
        println!(
            "ratio   = seconds / (rounds x {ms} ms): 1.00 is the waits alone; the rest is the"
        );
        println!(
            "          work of sending and reading. unlimited: {:.3} s = {:.2} x 1 x {ms} ms:",
            u.elapsed.as_secs_f64(),
            u.ratio(1, self.latency)
        );
        println!(
            "          its one wait, and {:.3} s of work for {n} requests at once on one thread;",
            extra(u, 1)
        );
        println!(
            "          semaphore, for comparison: {:.3} s beyond its {rounds} waits.",
            extra(&self.semaphore, rounds)
        );
        println!(
            "peak    = most requests the server had in progress at the same moment (its count)."
        );
        println!(
            "tasks   = most client tasks (tokio::spawn, asyncio's create_task) alive at once;"
        );
        println!(
            "          buffer_unordered spawns none: one stream runs up to {limit} requests itself."
        );
        println!("permit  = what Semaphore::acquire hands out; dropping it gives it back.");
        println!();
        println!(
            "available_after {}: permits free after the semaphore row, of {limit}: each went back once",
            self.available_after
        );
        println!(
            "ideal_s {:.3}: what the waits alone would take: ({rounds} + {rounds} + 1) rounds x {ms} ms",
            self.ideal_s()
        );
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (rounds, latency) = (self.rounds(), self.latency);
        let ideal = self.ideal_s();
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
