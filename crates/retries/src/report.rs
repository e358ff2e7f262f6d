//! The harness: one row of figures per policy, the table, and the closing summary line.

use std::fmt;
use std::time::Duration;

use crate::output::write_summary;
use crate::policy::{Knobs, Outcome, Try};
use crate::server::Fate;

/// What one policy's run measured: the calls' side and the service's count.
pub struct Row {
    pub name: &'static str,
    pub calls: usize,
    pub ok: usize,
    pub shed: usize,
    pub requests: usize,
    pub outage_requests: usize,
    pub mean: Duration,
    pub slowest: Duration,
}

impl Row {
    pub fn new(
        name: &'static str,
        calls: &[(Duration, Vec<Try>)],
        arrivals: &[(Duration, Fate)],
    ) -> Row {
        let times: Vec<Duration> = calls
            .iter()
            .map(|(_, tries)| match (tries.first(), tries.last()) {
                (Some(first), Some(last)) => last.to - first.from,
                _ => Duration::ZERO,
            })
            .collect();
        let last = |outcome| {
            calls
                .iter()
                .filter(|(_, tries)| tries.last().map(|t| t.outcome) == Some(outcome))
                .count()
        };
        Row {
            name,
            calls: calls.len(),
            ok: last(Outcome::Ok),
            shed: last(Outcome::Shed),
            requests: arrivals.len(),
            outage_requests: arrivals.iter().filter(|(_, f)| *f == Fate::Down).count(),
            mean: times.iter().sum::<Duration>() / times.len().max(1) as u32,
            slowest: times.iter().copied().max().unwrap_or_default(),
        }
    }

    pub fn ok_percent(&self) -> f64 {
        100.0 * self.ok as f64 / self.calls.max(1) as f64
    }
    /// Requests the service saw per call made.
    pub fn load(&self) -> f64 {
        self.requests as f64 / self.calls.max(1) as f64
    }
}

pub fn print_header() {
    println!(
        "\n{:<28} {:>6} {:>9} {:>6} {:>11} {:>8} {:>9}",
        "policy", "ok %", "requests", "load", "outage rps", "mean ms", "slowest ms"
    );
}

pub fn print_row(row: &Row, outage: Duration) {
    println!(
        "{:<28} {:>6.1} {:>9} {:>5.2}x {:>11.0} {:>8.1} {:>9.1}",
        row.name,
        row.ok_percent(),
        row.requests,
        row.load(),
        row.outage_requests as f64 / outage.as_secs_f64(),
        row.mean.as_secs_f64() * 1e3,
        row.slowest.as_secs_f64() * 1e3,
    );
}

/// The plain words under the table: each column once.
pub fn print_legend(offered_rps: f64, knobs: &Knobs, shed: usize) {
    println!(
        "\nok %: calls that got a 200 in the end. requests: what the SERVICE counted arriving.\n\
         load: requests per call (1.00x = no retries). outage rps: requests per second the\n\
         service saw while it was down (the calls alone offer {offered_rps:.0}/s).\n\
         mean / slowest ms: a call's whole time, retries and waits included; the back-off\n\
         rows stop at their {} ms deadline (or a timer tick past it).\n\
         back-off: a random wait up to {} ms, doubling each retry (the jitter: random, so\n\
         callers that failed together come back apart). circuit breaker: after {} failures\n\
         in a row it opens, failing calls at once, with no request, for {} ms, then lets one\n\
         trial through; it shed {shed} calls here.",
        knobs.deadline.as_millis(),
        knobs.base.as_millis(),
        knobs.trip_after,
        knobs.cool_down.as_millis(),
    );
}

/// The figures this run measured, printed as the closing `summary:` line.
pub struct Summary {
    pub once: Row,
    pub now: Row,
    pub backoff: Row,
    pub breaker: Row,
    pub outage: Duration,
    pub deadline: Duration,
    pub ideal: Duration,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = |r: &Row| format!("{:.1}", r.ok_percent());
        let load = |r: &Row| format!("{:.2}", r.load());
        let rps = |r: &Row| {
            format!(
                "{:.0}",
                r.outage_requests as f64 / self.outage.as_secs_f64()
            )
        };
        let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1e3);
        write_summary(
            f,
            &[
                ("calls", self.once.calls.to_string()),
                ("ok_once", pct(&self.once)),
                ("ok_now", pct(&self.now)),
                ("ok_backoff", pct(&self.backoff)),
                ("ok_breaker", pct(&self.breaker)),
                ("load_once", load(&self.once)),
                ("load_now", load(&self.now)),
                ("load_backoff", load(&self.backoff)),
                ("load_breaker", load(&self.breaker)),
                ("outage_rps_now", rps(&self.now)),
                ("outage_rps_breaker", rps(&self.breaker)),
                ("shed", self.breaker.shed.to_string()),
                (
                    "slowest_backoff_ms",
                    ms(self.backoff.slowest.max(self.breaker.slowest)),
                ),
                ("deadline_ms", self.deadline.as_millis().to_string()),
                ("ideal_s", format!("{:.3}", self.ideal.as_secs_f64())),
            ],
        )
    }
}
