//! `--trace FILE`: the kitchens written as a Chrome trace, from the same spans the terminal
//! timelines are drawn from. One group per kitchen (a row of the table), one track per
//! baker with a slice per mixing step, one track per cake's oven, and a counter of the
//! cores' worth of mixing going on. Each mixing slice says how much CPU it got in how much
//! wall time: on one core two bakers' slices overlap in time, but each reads "150 ms CPU in
//! 300 ms", and the counter stays at 1: the trace does not pretend parallel work.

use std::time::Duration;

use crate::kitchen::Kitchen;
use crate::timeline::{Kind, Span};
use crate::trace::Trace;

/// Records every kitchen into `trace` (nothing when the trace is off).
pub fn record(trace: &Trace, kitchens: &[Kitchen]) {
    if !trace.is_on() {
        return;
    }
    for k in kitchens {
        let threads = k.threads();
        let group = trace.group(&format!("{} ({} thread(s))", k.name, threads));
        let at = |seconds: f64| k.opened + Duration::from_secs_f64(seconds.max(0.0));
        let bakers = if threads == 1 {
            let name = match k.name {
                "one baker" => "baker: both cakes in turn",
                _ => "baker: cake 1, then cake 2",
            };
            let one = trace.track(group, name);
            [one, one]
        } else {
            [
                trace.track(group, "baker-1 thread: cake 1"),
                trace.track(group, "baker-2 thread: cake 2"),
            ]
        };
        let ovens = [
            trace.track(group, "cake 1's oven"),
            trace.track(group, "cake 2's oven"),
        ];
        for (c, cake) in k.cakes.iter().enumerate() {
            let steps = cake.spans.iter().filter(|s| s.kind == Kind::Mix).count();
            let (mut mix, mut oven) = (0, 0);
            for s in &cake.spans {
                let (from, to) = (at(s.start), at(s.end));
                match s.kind {
                    Kind::Mix => {
                        mix += 1;
                        let name = format!(
                            "cake {}: mix {mix} of {steps}, {:.0} ms CPU in {:.0} ms",
                            c + 1,
                            s.cpu * 1e3,
                            (s.end - s.start) * 1e3
                        );
                        trace.slice(bakers[c], "mixing (CPU work)", &name, from, to);
                    }
                    Kind::Oven => {
                        oven += 1;
                        let name = format!("cake {}: oven {oven} of {steps}", c + 1);
                        trace.slice(ovens[c], "in the oven (a sleep)", &name, from, to);
                    }
                }
            }
        }
        let spans: Vec<&Span> = k.cakes.iter().flat_map(|c| &c.spans).collect();
        for (seconds, cores) in cores_mixing(&spans) {
            trace.counter(group, "cores mixing", at(seconds), cores);
        }
    }
}

/// The level of "cores mixing" over time: at every start and end of a mixing span, the sum
/// over the spans going on of the CPU each got per second of wall time. Two bakers mixing at
/// once on two free cores make 2; on one core they make 1 (each gets half the core).
fn cores_mixing(spans: &[&Span]) -> Vec<(f64, f64)> {
    let mixes: Vec<&&Span> = spans.iter().filter(|s| s.kind == Kind::Mix).collect();
    let mut edges: Vec<f64> = mixes.iter().flat_map(|s| [s.start, s.end]).collect();
    edges.sort_by(f64::total_cmp);
    edges.dedup();
    edges
        .iter()
        .map(|&t| {
            let level: f64 = mixes
                .iter()
                .filter(|s| s.start <= t && t < s.end)
                .map(|s| s.cpu / (s.end - s.start).max(1e-9))
                .sum();
            (t, level)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mix(start: f64, end: f64, cpu: f64) -> Span {
        Span {
            kind: Kind::Mix,
            start,
            end,
            cpu,
        }
    }

    #[test]
    fn two_mixes_sharing_one_core_make_one_core_of_mixing() {
        let (a, b) = (mix(0.0, 2.0, 1.0), mix(0.0, 2.0, 1.0));
        assert_eq!(cores_mixing(&[&a, &b]), vec![(0.0, 1.0), (2.0, 0.0)]);
    }

    #[test]
    fn two_mixes_on_two_cores_make_two() {
        let (a, b) = (mix(0.0, 1.0, 1.0), mix(0.5, 1.5, 1.0));
        let levels = cores_mixing(&[&a, &b]);
        assert_eq!(levels, vec![(0.0, 1.0), (0.5, 2.0), (1.0, 1.0), (1.5, 0.0)]);
    }
}
