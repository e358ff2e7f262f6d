//! The harness: a printed line per queue, the closing summary line, and the closed-pipe
//! hook.

use std::fmt;
use std::time::{Duration, Instant};

use crate::Plan;
use crate::heap;
use crate::ledger::Ledger;

/// What one run of the producer and consumers measured.
pub struct Run {
    pub most_waiting: usize,
    pub heap_bytes: usize,
    pub producer: Duration,
    pub consumers: Duration,
    pub each_once: bool,
}

impl Run {
    /// Runs one queue with a fresh ledger, measuring heap growth and time around it.
    pub fn measure(items: usize, queue: impl FnOnce(&Ledger)) -> Run {
        let ledger = Ledger::new(items);
        let baseline = heap::start();
        let start = Instant::now();
        queue(&ledger);
        Run {
            consumers: start.elapsed(),
            heap_bytes: heap::peak_since(baseline),
            most_waiting: ledger.most_waiting(),
            producer: ledger.producer_time(start),
            each_once: ledger.each_consumed_once(),
        }
    }

    /// When the producer finished, as a share of when the consumers did.
    pub fn producer_share(&self) -> f64 {
        self.producer.as_secs_f64() / self.consumers.as_secs_f64().max(1e-9)
    }

    pub fn print(&self, name: &str) {
        println!(
            "{name:<13} most waiting {:>7}, heap held at most {:>10} B; producer done at {:.3} s, consumers at {:.3} s; each consumed once: {}",
            self.most_waiting,
            self.heap_bytes,
            self.producer.as_secs_f64(),
            self.consumers.as_secs_f64(),
            self.each_once
        );
    }
}

/// The figures this run measured, printed as the closing `summary:` line.
pub struct Summary {
    pub plan: Plan,
    pub bounded: Run,
    pub unbounded: Run,
    pub items_per_s: f64,
}

impl Summary {
    /// The consumers' time if they only waited: each takes every consumers-th item.
    pub fn ideal(&self) -> Duration {
        let plan = &self.plan;
        plan.work * plan.items.div_ceil(plan.consumers) as u32
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (b, u, ideal) = (&self.bounded, &self.unbounded, self.ideal().as_secs_f64());
        // With no work there is no wait to compare against: "nan", as Python prints it.
        let ratio = |run: &Run| {
            if ideal > 0.0 {
                format!("{:.3}", run.consumers.as_secs_f64() / ideal)
            } else {
                "nan".to_string()
            }
        };
        write!(
            f,
            "summary: items={} consumers={} capacity={} work_ms={} item_bytes={} \
             waiting_bounded={} waiting_unbounded={} heap_bytes_bounded={} heap_bytes_unbounded={} \
             producer_share_bounded={:.3} producer_share_unbounded={:.3} ratio_bounded={} \
             ratio_unbounded={} consumed_once={} items_per_s={:.0} ideal_s={:.3}",
            self.plan.items,
            self.plan.consumers,
            self.plan.capacity,
            self.plan.work.as_millis(),
            self.plan.item_bytes,
            b.most_waiting,
            u.most_waiting,
            b.heap_bytes,
            u.heap_bytes,
            b.producer_share(),
            u.producer_share(),
            ratio(b),
            ratio(u),
            b.each_once && u.each_once,
            self.items_per_s,
            2.0 * ideal,
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
