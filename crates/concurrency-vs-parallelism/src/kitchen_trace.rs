//! `--trace FILE`: the kitchens written as a Chrome trace, from the same spans the terminal
//! timelines are drawn from. One group per kitchen (a row of the table), one track per
//! baker with a slice per mixing step, one track per cake's oven, and a counter of the
//! cores' worth of mixing going on. Each mixing slice says how much CPU it got in how much
//! wall time: on one core two bakers' slices overlap in time, but each reads "150 ms CPU in
//! 300 ms", and the counter stays at 1: the trace does not pretend parallel work.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::time::ClockId;

use crate::kitchen::Kitchen;
use crate::timeline::Kind;
use crate::trace::Trace;

/// Records every kitchen into `trace` (nothing when the trace is off), with the `meter`'s
/// readings of the process's CPU clock: (when, CPU seconds so far).
pub fn record(trace: &Trace, kitchens: &[Kitchen], meter: &[(Instant, f64)]) {
    if !trace.is_on() {
        return;
    }
    for k in kitchens {
        let threads = k.threads();
        // Part two's groups lead with "1 core: ", so no group name starts another's.
        let group = match k.name.strip_suffix(", 1 core") {
            Some(base) => trace.group(&format!("1 core: {base} ({threads} thread(s))")),
            None => trace.group(&format!("{} ({threads} thread(s))", k.name)),
        };
        let at = |seconds: f64| k.opened + Duration::from_secs_f64(seconds.max(0.0));
        let bakers = if threads == 1 {
            let name = if k.name.starts_with("one baker") {
                "baker: both cakes in turn"
            } else {
                "baker: cake 1, then cake 2"
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
        // The process's CPU clock, read every 40 ms while this kitchen was open (the kernel
        // brings a running thread's CPU time up to date at its clock tick, a few ms: over 40 ms
        // that is a few per cent): the cores
        // this process really had busy (it cannot pass the cores it runs on).
        let closed = at(k.total);
        let inside: Vec<&(Instant, f64)> = meter
            .iter()
            .filter(|(t, _)| *t >= k.opened && *t <= closed)
            .collect();
        trace.counter(group, "cores busy", k.opened, 0.0);
        for pair in inside.windows(2) {
            let ((t0, cpu0), (t1, cpu1)) = (pair[0], pair[1]);
            let wall = t1.saturating_duration_since(*t0).as_secs_f64().max(1e-9);
            trace.counter(group, "cores busy", *t0, (cpu1 - cpu0) / wall);
        }
        if let Some((last, _)) = inside.last() {
            trace.counter(group, "cores busy", *last, 0.0);
        }
    }
}

/// Reads the process's CPU clock every 40 ms on a thread of its own, while the trace is on.
pub struct CpuMeter {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Vec<(Instant, f64)>>>,
}

impl CpuMeter {
    pub fn start(on: bool) -> CpuMeter {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let reader = move || {
            let mut readings = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                // A reading whose two clocks were read far apart (the meter was preempted
                // in between) would be wrong: it is dropped.
                let before = Instant::now();
                let cpu = ClockId::CLOCK_PROCESS_CPUTIME_ID.now();
                let after = Instant::now();
                if let Ok(cpu) = cpu
                    && after - before < Duration::from_micros(50)
                {
                    readings.push((after, Duration::from(cpu).as_secs_f64()));
                }
                std::thread::sleep(Duration::from_millis(40));
            }
            readings
        };
        // Without the meter thread the trace has no counter; the kitchens are the same.
        let thread = on
            .then(|| {
                std::thread::Builder::new()
                    .name("cpu-meter".into())
                    .spawn(reader)
                    .ok()
            })
            .flatten();
        CpuMeter { stop, thread }
    }

    /// The readings so far; the meter stops.
    pub fn stop(mut self) -> Vec<(Instant, f64)> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}
