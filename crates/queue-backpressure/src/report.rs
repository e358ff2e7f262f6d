//! The harness: a printed line per queue, and the closing summary line.

use std::fmt;
use std::time::{Duration, Instant};

use crate::Plan;
use crate::heap;
use crate::lanes::Lanes;
use crate::ledger::Ledger;
use crate::output::write_summary;

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
    pub fn measure(items: usize, lanes: Lanes, queue: impl FnOnce(&Ledger)) -> Run {
        let ledger = Ledger::new(items, lanes);
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
        let plan = &self.plan;
        write_summary(
            f,
            &[
                ("items", plan.items.to_string()),
                ("consumers", plan.consumers.to_string()),
                ("capacity", plan.capacity.to_string()),
                ("work_ms", plan.work.as_millis().to_string()),
                ("item_bytes", plan.item_bytes.to_string()),
                ("waiting_bounded", b.most_waiting.to_string()),
                ("waiting_unbounded", u.most_waiting.to_string()),
                ("heap_bytes_bounded", b.heap_bytes.to_string()),
                ("heap_bytes_unbounded", u.heap_bytes.to_string()),
                (
                    "producer_share_bounded",
                    format!("{:.3}", b.producer_share()),
                ),
                (
                    "producer_share_unbounded",
                    format!("{:.3}", u.producer_share()),
                ),
                ("ratio_bounded", ratio(b)),
                ("ratio_unbounded", ratio(u)),
                ("consumed_once", (b.each_once && u.each_once).to_string()),
                ("items_per_s", format!("{:.0}", self.items_per_s)),
                ("ideal_s", format!("{:.3}", 2.0 * ideal)),
            ],
        )
    }
}
