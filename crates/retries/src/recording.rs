//! What `--trace` draws: each policy a group, its times from the start of ITS run (so the
//! four runs line up, outage under outage); a track for the service's outage; each call a
//! track of its attempts and the back-off waits between them; the service's own count of
//! requests per 10 ms, as a rate.

use std::time::{Duration, Instant};

use crate::policy::{Outcome, Try};
use crate::server::Fate;
use crate::trace::Trace;

pub fn record(
    trace: &Trace,
    name: &str,
    start: Instant,
    outage: (Duration, Duration),
    calls: &[(Duration, Vec<Try>)],
    arrivals: &[(Duration, Fate)],
) {
    if !trace.is_on() {
        return;
    }
    let zero = trace.start();
    let at = |t: Instant| zero + t.saturating_duration_since(start);
    let group = trace.group(name);
    let service = trace.track(group, "service");
    trace.slice(
        service,
        "service down",
        "service down (every request a 503)",
        zero + outage.0,
        zero + outage.1,
    );
    for (i, (_, tries)) in calls.iter().enumerate() {
        let track = trace.track(group, &format!("call {i}"));
        for (n, t) in tries.iter().enumerate() {
            if n > 0 {
                trace.slice(
                    track,
                    "back-off",
                    "back-off",
                    at(tries[n - 1].to),
                    at(t.from),
                );
            }
            let kind = match t.outcome {
                Outcome::Ok => "200 ok",
                Outcome::Failed => "503",
                Outcome::TimedOut => "timed out",
                Outcome::Shed => {
                    trace.instant(track, "shed", at(t.from));
                    continue;
                }
            };
            let label = format!("attempt {}: {kind}", n + 1);
            trace.slice(track, kind, &label, at(t.from), at(t.to));
        }
    }
    let bucket = Duration::from_millis(10);
    let last = arrivals.iter().map(|a| a.0).max().unwrap_or_default();
    let mut from = Duration::ZERO;
    while from <= last + bucket {
        let n = arrivals
            .iter()
            .filter(|a| a.0 >= from && a.0 < from + bucket)
            .count();
        trace.counter(
            group,
            "service requests/s",
            zero + from,
            n as f64 / bucket.as_secs_f64(),
        );
        from += bucket;
    }
}
