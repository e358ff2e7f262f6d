//! The harness: a printed line per queue, and the closing summary line.

use std::fmt;
use std::time::{Duration, Instant};

use crate::heap;
use crate::lanes::Lanes;
use crate::ledger::Ledger;
use crate::output::write_summary;
use crate::plan::Plan;

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

    /// The consumers' time against the ideal, in times; "nan" with no work to wait for.
    pub fn ratio(&self, plan: &Plan) -> String {
        ratio(self.consumers, ideal(plan))
    }

    pub fn print(&self, name: &str, plan: &Plan) {
        println!(
            "  {name:<13} {:>9} {:>12} B {:>13.3} s {:>14.3} s {:>16.3} {:>7} {:>15}",
            self.most_waiting,
            self.heap_bytes,
            self.producer.as_secs_f64(),
            self.consumers.as_secs_f64(),
            self.producer_share(),
            self.ratio(plan),
            self.each_once
        );
    }
}

/// The consumers' time if they only waited, for one queue: each takes every consumers-th item.
fn ideal(plan: &Plan) -> Duration {
    plan.work * plan.items.div_ceil(plan.consumers) as u32
}

/// `took` against `ideal`, in times; with no work there is no wait to compare against:
/// "nan", as Python prints it.
fn ratio(took: Duration, ideal: Duration) -> String {
    if ideal.is_zero() {
        "nan".to_string()
    } else {
        format!("{:.3}", took.as_secs_f64() / ideal.as_secs_f64())
    }
}

/// What the run does, and the table's columns (each named as its summary key is).
pub fn print_head(plan: &Plan) {
    println!(
        "{} items of {} B; {} consumers, each working {} ms on an item (work_ms); the bounded \
         queue's capacity {}; one thread",
        plan.items,
        plan.item_bytes,
        plan.consumers,
        plan.work.as_millis(),
        plan.capacity
    );
    println!(
        "  {:<13} {:>9} {:>14} {:>15} {:>16} {:>16} {:>7} {:>15}",
        "queue",
        "waiting",
        "heap_bytes",
        "producer done",
        "consumers done",
        "producer_share",
        "ratio",
        "consumed_once"
    );
}

/// The figures this run measured, printed as the closing `summary:` line.
pub struct Summary {
    pub plan: Plan,
    pub bounded: Run,
    pub unbounded: Run,
    pub items_per_s: f64,
}

impl Summary {
    /// What each column means, from this run's figures: said once, under the table.
    pub fn explain(&self, throughput_items: u32) {
        let (plan, b, u) = (&self.plan, &self.bounded, &self.unbounded);
        println!(
            "waiting: the most items in the queue at once, sent and not yet taken \
             (summary: waiting_bounded, waiting_unbounded). heap_bytes: the most heap memory \
             the run held above what it held at its start, payloads and queue alike \
             (heap_bytes_<queue>)"
        );
        println!(
            "producer_share: when the producer sent its last item, as a share of the run \
             (producer done / consumers done, 0 to 1; producer_share_<queue>): bounded {:.3}, \
             unbounded {:.3}. Near 1, the producer was held back until near the end; near 0, it \
             was done at once and the items waited. consumed_once: each item taken by exactly \
             one consumer, in both queues",
            b.producer_share(),
            u.producer_share()
        );
        let ideal = ideal(plan);
        if !ideal.is_zero() {
            let per = plan.items.div_ceil(plan.consumers);
            let late_ms = (b.consumers + u.consumers)
                .saturating_sub(ideal * 2)
                .as_secs_f64()
                * 1e3
                / (2 * per) as f64;
            println!(
                "ideal_s = {:.3} s: the consumers' waits alone, {} items / {} consumers = {per} \
                 x {} ms = {:.3} s a queue, for two queues. ratio: consumers done / that {:.3} s, \
                 in times, no unit (the summary's ratio: both queues' time over ideal_s, {}). \
                 Beyond 1.0: each sleep ends at the timer's first 1 ms tick after its deadline, \
                 then the thread does its own work; here {late_ms:.2} ms a sleep",
                2.0 * ideal.as_secs_f64(),
                plan.items,
                plan.consumers,
                plan.work.as_millis(),
                ideal.as_secs_f64(),
                ideal.as_secs_f64(),
                self.ratio()
            );
        }
        if ideal.is_zero() {
            println!(
                "ideal_s = 0.000: with --work-ms 0 nothing waits on purpose, so there is no \
                 ideal to compare against: ratio is nan"
            );
        }
        println!(
            "items_per_s: {:.0} items a second through one bounded queue of {}, one producer, \
             one consumer, no work ({throughput_items} items)",
            self.items_per_s, plan.capacity
        );
    }

    /// Both queues' consumers' time over ideal_s.
    fn ratio(&self) -> String {
        ratio(
            self.bounded.consumers + self.unbounded.consumers,
            ideal(&self.plan) * 2,
        )
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (b, u, plan) = (&self.bounded, &self.unbounded, &self.plan);
        write_summary(
            f,
            &[
                ("items", plan.items.to_string()),
                ("consumers", plan.consumers.to_string()),
                ("capacity", plan.capacity.to_string()),
                ("work_ms", plan.work.as_millis().to_string()),
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
                ("ratio", self.ratio()),
                ("consumed_once", (b.each_once && u.each_once).to_string()),
                ("items_per_s", format!("{:.0}", self.items_per_s)),
                ("ideal_s", format!("{:.3}", 2.0 * ideal(plan).as_secs_f64())),
            ],
        )
    }
}
