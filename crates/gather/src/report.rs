//! The harness: what the run prints around the idea (the opening line, the order and time,
//! the timeline, the explanation), the summary line, and the memory check.

use std::fmt;
use std::time::Duration;

use anyhow::bail;

use crate::events::{self, EventLog};
use crate::output::write_summary;

/// Moments of one run, measured from its start, and the size of one coroutine.
pub struct Phases {
    pub first_one: Duration,
    pub all_started: Duration,
    pub first_two: Duration,
    pub elapsed: Duration,
    pub future_bytes: usize,
}

/// Asks for the memory the join will need before building it, so that a count the
/// process cannot hold fails with one line instead of an allocation abort halfway. The
/// estimate: the coroutine's state machine, 128 bytes of `join_all` bookkeeping (a little
/// more than the 96 measured with /usr/bin/time: 240 bytes in all for the 144-byte
/// `count()`), and its two one-byte events.
pub fn check_memory_for(count: u32, future_bytes: usize) -> anyhow::Result<()> {
    let bytes = count as usize * (future_bytes + 128 + 2);
    let mut probe: Vec<u8> = Vec::new();
    if probe.try_reserve_exact(bytes).is_err() {
        bail!(
            "{count} coroutines need about {:.0} MiB and this process cannot have it; \
             try a smaller --count or raise the memory limit (ulimit -v)",
            bytes as f64 / f64::from(1 << 20)
        );
    }
    Ok(())
}

pub fn announce(count: u32, delay_ms: u64, blocking: bool) {
    println!(
        "{}: {count} count() coroutine(s), each sleeping {delay_ms} ms, joined on one thread",
        mode(blocking)
    );
}

fn mode(blocking: bool) -> &'static str {
    if blocking { "blocking" } else { "gather" }
}

/// The figures this run measured, printed as the closing `summary:` line.
pub struct Summary {
    count: u32,
    delay: Duration,
    blocking: bool,
    elapsed: Duration,
    ideal: Duration,
    order_ok: bool,
    one_thread: bool,
    future_bytes: usize,
}

impl Summary {
    pub fn new(
        count: u32,
        delay: Duration,
        blocking: bool,
        phases: &Phases,
        log: &EventLog,
    ) -> Self {
        let words = log.words.borrow();
        let order_ok = if blocking {
            events::is_alternating(&words, count)
        } else {
            events::is_gathered(&words, count)
        };
        // The ideal: only the deliberate waits take time. Gathered, the sleeps overlap (one
        // delay); blocked, they queue up (count delays).
        let ideal = if blocking { delay * count } else { delay };
        Summary {
            count,
            delay,
            blocking,
            elapsed: phases.elapsed,
            ideal,
            order_ok,
            one_thread: log.off_main_thread.get() == 0,
            future_bytes: phases.future_bytes,
        }
    }

    fn ratio(&self) -> f64 {
        self.elapsed.as_secs_f64() / self.ideal.as_secs_f64()
    }

    pub fn print_order_and_time(&self, log: &EventLog) {
        let runs = events::run_lengths(&log.words.borrow());
        println!("order observed: {}", events::describe_runs(&runs));
        println!(
            "{} executed in {:.2} seconds: {:.3} x the ideal {:.3} s.",
            env!("CARGO_PKG_NAME"),
            self.elapsed.as_secs_f64(),
            self.ratio(),
            self.ideal.as_secs_f64()
        );
    }

    /// Say why the run took the time it took, from the figures of this run.
    pub fn explain(&self) {
        let slept = (self.delay * self.count).as_secs_f64();
        let sleeps = format!(
            "{} x {} ms = {slept:.2} s of sleeping took {:.2} s",
            self.count,
            self.delay.as_millis(),
            self.elapsed.as_secs_f64()
        );
        let threads = if self.one_thread {
            "every One and Two ran on the main thread"
        } else {
            "some events ran off the main thread, which a current-thread runtime should never do"
        };
        if self.blocking {
            println!(
                "why: std::thread::sleep blocks the only thread. The coroutine never reaches an \
                 .await, so the loop cannot switch to another: they sleep one after another, \
                 {sleeps}. Await tokio::time::sleep instead (asyncio.sleep, not time.sleep). \
                 ({threads})"
            );
        } else {
            println!(
                "why: each coroutine reached .await on its sleep and handed the thread back, so \
                 the sleeps overlapped: {sleeps}. ({threads})"
            );
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let overhead_ns =
            self.elapsed.saturating_sub(self.ideal).as_secs_f64() * 1e9 / f64::from(self.count);
        write_summary(
            f,
            &[
                ("count", self.count.to_string()),
                ("delay_ms", self.delay.as_millis().to_string()),
                ("mode", mode(self.blocking).to_string()),
                ("elapsed_s", format!("{:.3}", self.elapsed.as_secs_f64())),
                ("ratio", format!("{:.3}", self.ratio())),
                ("order_ok", self.order_ok.to_string()),
                ("one_thread", self.one_thread.to_string()),
                ("future_bytes", self.future_bytes.to_string()),
                ("overhead_ns_per_coroutine", format!("{overhead_ns:.0}")),
                ("ideal_s", format!("{:.3}", self.ideal.as_secs_f64())),
            ],
        )
    }
}

/// Where the time of a gathered run went: everything beyond the one delay is work the single
/// thread did per coroutine (build it, start it, wake it, finish it).
pub fn print_timeline(p: &Phases, delay: Duration, count: u32) {
    let ns_each = |d: Duration| d.as_secs_f64() * 1e9 / f64::from(count);
    let last_due = p.all_started + delay;
    let rows = [
        (Duration::ZERO, "start", String::new()),
        (
            p.first_one,
            "first One",
            format!(
                "building the join: {:.0} ns per coroutine",
                ns_each(p.first_one)
            ),
        ),
        (
            p.all_started,
            "all started",
            format!(
                "One printed, timer armed: {:.0} ns per coroutine",
                ns_each(p.all_started.saturating_sub(p.first_one))
            ),
        ),
        (
            p.first_two,
            "first Two",
            "the first timer fired".to_string(),
        ),
        (
            last_due,
            "last timer due",
            format!("all started + {} ms", delay.as_millis()),
        ),
        (
            p.elapsed,
            "all done",
            format!(
                "woken, Two, freed: {:.0} ns per coroutine after the last was due",
                ns_each(p.elapsed.saturating_sub(last_due))
            ),
        ),
    ];
    println!("timeline (measured from the start, one thread):");
    for (at, what, note) in rows {
        let line = format!("  {:7.3} s  {what:<15} {note}", at.as_secs_f64());
        println!("{}", line.trim_end());
    }
}
