//! The harness: what the run prints around the idea (the opening line, the order and time,
//! the timeline, the explanation), the summary line, and the memory check.

use std::fmt;
use std::time::Duration;

use anyhow::bail;

use crate::events::{self, EventLog};
use crate::output::write_summary;

/// From this many coroutines on, the time beyond the one delay is mostly the thread's work
/// on each of them (about 0.5-2 us each), not the 1-2 ms a timer fires late: only then is
/// `overhead_ns_per_coroutine` reported.
pub const PER_COROUTINE_FROM: u32 = 10_000;

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
        // The notes' own closing line, then what it means.
        println!(
            "{} executed in {:.2} seconds.",
            env!("CARGO_PKG_NAME"),
            self.elapsed.as_secs_f64()
        );
    }

    /// The figures of the summary line, each under its key, with its unit and meaning.
    pub fn print_figures(&self) {
        let (n, ms) = (self.count, self.delay.as_millis());
        let ideal = if self.blocking {
            format!("the waits alone: the {n} sleeps queue up, {n} x {ms} ms")
        } else {
            format!("the waits alone: the {n} sleeps overlap, so one {ms} ms")
        };
        let order = if self.blocking {
            format!("One, Two, coroutine after coroutine ({n} times), as blocked ones print")
        } else {
            format!("One x{n}, then Two x{n}, as gathered coroutines print")
        };
        let rows = [
            (
                "count",
                n.to_string(),
                "count() coroutines joined (--count)".to_string(),
            ),
            (
                "delay_ms",
                format!("{ms} ms"),
                "what each sleeps between One and Two (--delay-ms)".to_string(),
            ),
            (
                "mode",
                mode(self.blocking).to_string(),
                if self.blocking {
                    "the mistake: a blocking sleep inside each coroutine (--blocking)"
                } else {
                    "awaited sleeps, joined: asyncio.gather"
                }
                .to_string(),
            ),
            (
                "elapsed_s",
                format!("{:.3} s", self.elapsed.as_secs_f64()),
                "from before the loop is built to after the last Two".to_string(),
            ),
            (
                "ideal_s",
                format!("{:.3} s", self.ideal.as_secs_f64()),
                ideal,
            ),
            (
                "ratio",
                format!("{:.3}", self.ratio()),
                "elapsed_s / ideal_s, no unit: 1.0 means the waits alone took the time".to_string(),
            ),
            ("order_ok", self.order_ok.to_string(), order),
            (
                "one_thread",
                self.one_thread.to_string(),
                "every One and Two ran on the main thread".to_string(),
            ),
            (
                "future_bytes",
                format!("{} B", self.future_bytes),
                "one paused count() coroutine: the state machine the compiler made of it"
                    .to_string(),
            ),
        ];
        println!("the figures (keys of the summary line):");
        for (key, value, meaning) in rows {
            println!("  {key:<13} {value:>9}   {meaning}");
        }
        let beyond_ms = self.elapsed.saturating_sub(self.ideal).as_secs_f64() * 1e3;
        let late = if self.blocking {
            "each blocking sleep ends when the OS wakes the thread, a little after its deadline"
        } else {
            "a sleep ends at the timer's first 1 ms tick after its deadline, then the OS wakes the thread"
        };
        match self.overhead_ns() {
            Some(ns) => println!(
                "  overhead_ns_per_coroutine = {ns:.0} ns: the {beyond_ms:.1} ms beyond ideal_s, \
                 divided by {n}: the thread's own work on each coroutine (the timeline above)"
            ),
            None => println!(
                "  the {beyond_ms:.1} ms beyond ideal_s is start-up and timer slack, not a cost per \
                 coroutine: {late}. (From --count {PER_COROUTINE_FROM} on, without --blocking, it is mostly \
                 work on each coroutine, and the run reports overhead_ns_per_coroutine.)"
            ),
        }
    }

    /// The time beyond the ideal, per coroutine: only where the count makes it the
    /// coroutines' own cost (at 3 it is the 1-2 ms a timer is late, divided by 3).
    fn overhead_ns(&self) -> Option<f64> {
        (!self.blocking && self.count >= PER_COROUTINE_FROM).then(|| {
            self.elapsed.saturating_sub(self.ideal).as_secs_f64() * 1e9 / f64::from(self.count)
        })
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
        let mut pairs = vec![
            ("count", self.count.to_string()),
            ("delay_ms", self.delay.as_millis().to_string()),
            ("mode", mode(self.blocking).to_string()),
            ("elapsed_s", format!("{:.3}", self.elapsed.as_secs_f64())),
            ("ratio", format!("{:.3}", self.ratio())),
            ("order_ok", self.order_ok.to_string()),
            ("one_thread", self.one_thread.to_string()),
            ("future_bytes", self.future_bytes.to_string()),
        ];
        if let Some(ns) = self.overhead_ns() {
            pairs.push(("overhead_ns_per_coroutine", format!("{ns:.0}")));
        }
        pairs.push(("ideal_s", format!("{:.3}", self.ideal.as_secs_f64())));
        write_summary(f, &pairs)
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
