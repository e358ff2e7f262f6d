//! The harness: what the run prints around the idea (the opening line, the order and time,
//! the timeline, the explanation), the summary line, the memory check, the run-time
//! failures with their hints, and the closed-pipe hook.

use std::fmt;
use std::time::Duration;

use crate::events::{self, EventLog};

/// Moments of one run, measured from its start, and the size of one coroutine.
pub struct Phases {
    pub first_one: Duration,
    pub all_started: Duration,
    pub first_two: Duration,
    pub elapsed: Duration,
    pub future_bytes: usize,
}

/// What can go wrong at run time, each with what to do about it.
pub enum Failure {
    Runtime(std::io::Error),
    Memory { count: u32, bytes: usize },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Runtime(e) => write!(
                f,
                "cannot start the tokio runtime: {e}; check the process's thread and memory limits"
            ),
            Failure::Memory { count, bytes } => write!(
                f,
                "{count} coroutines need about {:.0} MiB and this process cannot have it; \
                 try a smaller --count or raise the memory limit (ulimit -v)",
                *bytes as f64 / (1 << 20) as f64
            ),
        }
    }
}

/// Asks for the memory the join will need before building it, so that a count the
/// process cannot hold fails with one line instead of an allocation abort halfway. The
/// estimate: the coroutine's state machine, 128 bytes of `join_all` bookkeeping (a little
/// more than the 96 measured with /usr/bin/time: 240 bytes in all for the 144-byte
/// `count()`), and its two one-byte events.
pub fn check_memory_for(count: u32, future_bytes: usize) -> Result<(), Failure> {
    let bytes = count as usize * (future_bytes + 128 + 2);
    let mut probe: Vec<u8> = Vec::new();
    probe
        .try_reserve_exact(bytes)
        .map_err(|_| Failure::Memory { count, bytes })
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
        write!(
            f,
            "summary: count={} delay_ms={} mode={} elapsed_s={:.3} ratio={:.3} order_ok={} \
             one_thread={} future_bytes={} overhead_ns_per_coroutine={overhead_ns:.0} \
             ideal_s={:.3}",
            self.count,
            self.delay.as_millis(),
            mode(self.blocking),
            self.elapsed.as_secs_f64(),
            self.ratio(),
            self.order_ok,
            self.one_thread,
            self.future_bytes,
            self.ideal.as_secs_f64()
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
