//! What `--trace` draws: each policy a group; each call a track of its attempts (and the
//! back-off waits between them); the service's requests per 10 ms as a counter.

use std::time::{Duration, Instant};

use crate::policy::{Outcome, Try};
use crate::server::Fate;
use crate::trace::Trace;

pub fn record(
    trace: &Trace,
    name: &str,
    start: Instant,
    calls: &[(Duration, Vec<Try>)],
    arrivals: &[(Duration, Fate)],
) {
    if !trace.is_on() {
        return;
    }
    let group = trace.group(name);
    for (i, (_, tries)) in calls.iter().enumerate() {
        let track = trace.track(group, &format!("call {i}"));
        for (n, t) in tries.iter().enumerate() {
            if n > 0 {
                trace.slice(track, "wait", "back-off", tries[n - 1].to, t.from);
            }
            let kind = match t.outcome {
                Outcome::Ok => "ok",
                Outcome::Failed => "failed",
                Outcome::TimedOut => "timed out",
                Outcome::Shed => "shed",
            };
            if t.outcome == Outcome::Shed {
                trace.instant(track, "shed", t.from);
            } else {
                trace.slice(
                    track,
                    kind,
                    &format!("attempt {} {kind}", n + 1),
                    t.from,
                    t.to,
                );
            }
        }
    }
    // The service's own count: requests arrived in each 10 ms, as a rate.
    let bucket = Duration::from_millis(10);
    let last = arrivals.iter().map(|a| a.0).max().unwrap_or_default();
    let mut at = Duration::ZERO;
    while at <= last + bucket {
        let n = arrivals
            .iter()
            .filter(|a| a.0 >= at && a.0 < at + bucket)
            .count();
        trace.counter(
            group,
            "service requests/s",
            start + at,
            n as f64 / bucket.as_secs_f64(),
        );
        at += bucket;
    }
}
