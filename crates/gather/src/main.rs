//! Gather: N `count()` coroutines each print "One", sleep one delay, print "Two". Joined on
//! ONE thread, they all print "One" first, sleep at the same time, and all print "Two" about
//! one delay later: waiting is what they share, so N waits cost one. `--blocking` makes the
//! mistake the notes warn about, a blocking `std::thread::sleep` inside the coroutine: the
//! only thread stops, nothing else runs, and the sleeps add up to N delays.
//!
//! Run: `cargo run --release -p gather`, then
//! `cargo run --release -p gather -- --blocking` and
//! `cargo run --release -p gather -- --count 1000000 --delay-ms 1000`.
//!
//! Look for: One One One, Two Two Two, elapsed about 1.00 s (ratio about 1.0); with
//! `--blocking`, One Two One Two One Two in about 3 s. A million coroutines still take one
//! delay plus the thread's own work on each of them, which a measured timeline breaks down.

use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use futures::future::join_all;

/// asyncio.gather in Rust: N coroutines that sleep at the same time on one thread.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many count() coroutines to run together.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    count: u32,

    /// How long each coroutine sleeps between "One" and "Two", in milliseconds (at most an hour).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    delay_ms: u64,

    /// Make the mistake: a blocking std::thread::sleep inside the coroutine.
    #[arg(long)]
    blocking: bool,

    /// Print every One/Two line as it happens when count is at most this; above it,
    /// print the observed order in run-length form instead.
    #[arg(long, default_value_t = 10)]
    show: u32,

    /// Keep tokio's cooperative budget on the join (128 timer polls per turn): shows why
    /// the demo lifts it, as large counts then slow down quadratically.
    #[arg(long)]
    coop_budget: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &Args) -> Result<String, String> {
    let delay = Duration::from_millis(args.delay_ms);
    let mode = if args.blocking { "blocking" } else { "gather" };
    println!(
        "{mode}: {} count() coroutine(s), each sleeping {} ms, joined on one thread",
        args.count, args.delay_ms
    );

    let log = EventLog::new(args.count, args.count <= args.show);
    let phases = gather(args, delay, &log)?;
    let elapsed = phases.elapsed;

    let words = log.words.take();
    let order_ok = if args.blocking {
        is_alternating(&words, args.count)
    } else {
        is_gathered(&words, args.count)
    };
    let one_thread = log.off_main_thread.get() == 0;
    println!("order observed: {}", describe_runs(&run_lengths(&words)));

    // The ideal: only the deliberate waits take time. Gathered, the sleeps overlap (one
    // delay); blocked, they queue up (count delays).
    let ideal = if args.blocking {
        delay * args.count
    } else {
        delay
    };
    let ratio = elapsed.as_secs_f64() / ideal.as_secs_f64();
    if !args.blocking && args.count > args.show {
        print_timeline(&phases, delay, args.count);
    }
    println!(
        "{} executed in {:.2} seconds: {ratio:.3} x the ideal {:.3} s.",
        env!("CARGO_PKG_NAME"),
        elapsed.as_secs_f64(),
        ideal.as_secs_f64()
    );
    explain(args, elapsed, delay, one_thread);

    let overhead_ns = elapsed.saturating_sub(ideal).as_secs_f64() * 1e9 / f64::from(args.count);
    Ok(format!(
        "summary: count={} delay_ms={} mode={mode} elapsed_s={:.3} ratio={ratio:.3} \
         order_ok={order_ok} one_thread={one_thread} future_bytes={} \
         overhead_ns_per_coroutine={overhead_ns:.0} ideal_s={:.3}",
        args.count,
        args.delay_ms,
        elapsed.as_secs_f64(),
        future_bytes(args.blocking, delay, &log),
        ideal.as_secs_f64()
    ))
}

// ---------------------------------------------------------------------------------------
// The coroutines and the gather.

/// The notes' `count()`: "One", a sleep that lets the others run, "Two".
async fn count(id: u32, delay: Duration, log: &EventLog) {
    log.record(Word::One, id);
    tokio::time::sleep(delay).await;
    log.record(Word::Two, id);
}

/// The mistake: the same coroutine with a blocking sleep. It never reaches an `.await`, so
/// it never hands the thread back; the runtime cannot run anyone else until it is done.
async fn count_blocking(id: u32, delay: Duration, log: &EventLog) {
    log.record(Word::One, id);
    thread::sleep(delay);
    log.record(Word::Two, id);
}

/// `asyncio.run(main())` with `main` awaiting `gather(count(), count(), ...)`: one thread,
/// one event loop, all coroutines joined. The clock runs from before the loop is built to
/// after the last coroutine finished, as the notes time the whole `asyncio.run`.
fn gather(args: &Args, delay: Duration, log: &EventLog) -> Result<Phases, String> {
    let start = Instant::now();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| {
            format!(
                "cannot start the tokio runtime: {e}; check the process's thread and memory limits"
            )
        })?;
    log.start.set(start);
    let mut all_started = None;
    if args.blocking {
        let join = join_all((1..=args.count).map(|id| count_blocking(id, delay, log)));
        runtime.block_on(mark_first_poll(join, &mut all_started));
    } else {
        // join_all polls every coroutine once (each prints "One" and arms its timer), then
        // only the ones their timer woke. The coroutines run all inside ONE tokio task, and
        // tokio gives a task a budget of 128 timer polls per turn; past it, a timer answers
        // "not yet" and asks to be polled again. With 100,000 coroutines that makes every
        // turn re-poll the whole crowd to progress 128 of them (quadratic: 12 s instead of
        // 1 s, try --coop-budget). `unconstrained` lifts the budget for this one join.
        let join = join_all((1..=args.count).map(|id| count(id, delay, log)));
        if args.coop_budget {
            runtime.block_on(mark_first_poll(join, &mut all_started));
        } else {
            let join = mark_first_poll(join, &mut all_started);
            runtime.block_on(tokio::task::unconstrained(join));
        }
    }
    drop(runtime);
    let elapsed = start.elapsed();
    let since = |t: Option<Instant>| t.map_or(elapsed, |t| t.duration_since(start));
    Ok(Phases {
        first_one: since(log.first_one.get()),
        all_started: since(all_started),
        first_two: since(log.first_two.get()),
        elapsed,
    })
}

/// Await `fut`, noting the moment its first poll returns: for a join, that is when every
/// coroutine has run up to its first `.await` (printed One and armed its timer).
async fn mark_first_poll<F: Future>(fut: F, mark: &mut Option<Instant>) -> F::Output {
    let mut fut = pin!(fut);
    poll_fn(|cx| {
        let poll = fut.as_mut().poll(cx);
        mark.get_or_insert_with(Instant::now);
        poll
    })
    .await
}

/// Moments of one run, measured from its start.
struct Phases {
    first_one: Duration,
    all_started: Duration,
    first_two: Duration,
    elapsed: Duration,
}

/// Where the time of a gathered run went: everything beyond the one delay is work the single
/// thread did per coroutine (build it, start it, wake it, finish it).
fn print_timeline(p: &Phases, delay: Duration, count: u32) {
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

/// The size of one coroutine's state machine, as the compiler laid it out. Creating the
/// future runs none of its code; it is dropped unpolled.
fn future_bytes(blocking: bool, delay: Duration, log: &EventLog) -> usize {
    if blocking {
        size_of_val(&count_blocking(0, delay, log))
    } else {
        size_of_val(&count(0, delay, log))
    }
}

/// Say why the run took the time it took, from the figures of this run.
fn explain(args: &Args, elapsed: Duration, delay: Duration, one_thread: bool) {
    let slept = (delay * args.count).as_secs_f64();
    let threads = if one_thread {
        "every One and Two ran on the main thread"
    } else {
        "some events ran off the main thread, which a current-thread runtime should never do"
    };
    if args.blocking {
        println!(
            "why: std::thread::sleep blocks the only thread. The coroutine never reaches an \
             .await, so the loop cannot switch to another: they sleep one after another, \
             {} x {} ms = {slept:.2} s of sleeping took {:.2} s. Await tokio::time::sleep \
             instead (asyncio.sleep, not time.sleep). ({threads})",
            args.count,
            delay.as_millis(),
            elapsed.as_secs_f64()
        );
    } else {
        println!(
            "why: each coroutine reached .await on its sleep and handed the thread back, so \
             the sleeps overlapped: {} x {} ms = {slept:.2} s of sleeping took {:.2} s. \
             ({threads})",
            args.count,
            delay.as_millis(),
            elapsed.as_secs_f64()
        );
    }
}

// ---------------------------------------------------------------------------------------
// The event log: one byte per event, so a million coroutines record two million events
// cheaply; lines are printed live only when there are few.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
enum Word {
    One = 1,
    Two = 2,
}

impl Word {
    fn name(self) -> &'static str {
        match self {
            Word::One => "One",
            Word::Two => "Two",
        }
    }
}

thread_local! {
    /// Set on the main thread only: an event recorded elsewhere would read `false`.
    static ON_MAIN_THREAD: Cell<bool> = const { Cell::new(false) };
}

struct EventLog {
    words: RefCell<Vec<Word>>,
    echo: bool,
    start: Cell<Instant>,
    first_one: Cell<Option<Instant>>,
    first_two: Cell<Option<Instant>>,
    off_main_thread: Cell<u64>,
}

impl EventLog {
    fn new(count: u32, echo: bool) -> Self {
        ON_MAIN_THREAD.set(true);
        EventLog {
            words: RefCell::new(Vec::with_capacity(2 * count as usize)),
            echo,
            start: Cell::new(Instant::now()),
            first_one: Cell::new(None),
            first_two: Cell::new(None),
            off_main_thread: Cell::new(0),
        }
    }

    /// One byte per event and no clock read except for the first of each word, so that a
    /// million coroutines record two million events in a few milliseconds.
    fn record(&self, word: Word, id: u32) {
        self.words.borrow_mut().push(word);
        let first = match word {
            Word::One => &self.first_one,
            Word::Two => &self.first_two,
        };
        if first.get().is_none() {
            first.set(Some(Instant::now()));
        }
        if !ON_MAIN_THREAD.get() {
            self.off_main_thread.set(self.off_main_thread.get() + 1);
        }
        if self.echo {
            let t = self.start.get().elapsed().as_secs_f64();
            println!("{:<4} at {t:6.3} s  (coroutine {id})", word.name());
        }
    }
}

/// Collapse the event sequence into (word, how many in a row).
fn run_lengths(words: &[Word]) -> Vec<(Word, u64)> {
    let mut runs: Vec<(Word, u64)> = Vec::new();
    for &w in words {
        match runs.last_mut() {
            Some((last, n)) if *last == w => *n += 1,
            _ => runs.push((w, 1)),
        }
    }
    runs
}

fn describe_runs(runs: &[(Word, u64)]) -> String {
    const SHOWN: usize = 6;
    let mut parts: Vec<String> = runs
        .iter()
        .take(SHOWN)
        .map(|(w, n)| format!("{} x{n}", w.name()))
        .collect();
    if runs.len() > SHOWN {
        parts.push(format!("... ({} runs in all)", runs.len()));
    }
    parts.join(", then ")
}

/// Gathered: every "One" before any "Two", N of each.
fn is_gathered(words: &[Word], count: u32) -> bool {
    let n = count as usize;
    words.len() == 2 * n
        && words[..n].iter().all(|&w| w == Word::One)
        && words[n..].iter().all(|&w| w == Word::Two)
}

/// Blocked: One, Two, One, Two, ... each coroutine runs start to finish in turn.
fn is_alternating(words: &[Word], count: u32) -> bool {
    words.len() == 2 * count as usize && words.chunks(2).all(|pair| pair == [Word::One, Word::Two])
}

#[cfg(test)]
mod tests {
    use super::*;
    use Word::{One, Two};

    #[test]
    fn order_checks_tell_gathered_from_alternating() {
        assert!(is_gathered(&[One, One, Two, Two], 2));
        assert!(!is_gathered(&[One, Two, One, Two], 2));
        assert!(is_alternating(&[One, Two, One, Two], 2));
        assert!(!is_alternating(&[One, One, Two, Two], 2));
        assert!(!is_gathered(&[One, Two], 2), "missing events must fail");
    }

    #[test]
    fn run_length_form_is_compact() {
        let words = [vec![One; 100_000], vec![Two; 100_000]].concat();
        assert_eq!(
            describe_runs(&run_lengths(&words)),
            "One x100000, then Two x100000"
        );
        let alt: Vec<Word> = (0..20)
            .map(|i| if i % 2 == 0 { One } else { Two })
            .collect();
        assert!(describe_runs(&run_lengths(&alt)).ends_with("(20 runs in all)"));
    }
}
