//! Gather: N `count()` coroutines each print "One", sleep one delay, print "Two". Joined on
//! ONE thread, they all print "One" first, sleep at the same time, and all print "Two" about
//! one delay later: waiting is what they share, so N waits cost one. `--blocking` makes the
//! mistake the notes warn about, a blocking `std::thread::sleep` inside the coroutine: the
//! only thread stops, nothing else runs, and the sleeps add up to N delays.
//!
//! Run: `cargo run --release -p gather`, then
//! `cargo run --release -p gather -- --blocking` and
//! `cargo run --release -p gather -- --count 1000000 --delay-ms 1000`.
//! The notes' program alone: `cargo run -p gather --example countasync`.
//!
//! Look for: One One One, Two Two Two, elapsed about 1.00 s (ratio about 1.0); with
//! `--blocking`, One Two One Two One Two in about 3 s. A million coroutines still take one
//! delay plus the thread's own work on each of them, which a measured timeline breaks down.
//! `--trace t.json` writes the run for Perfetto or vizviewer: a lane per coroutine, its
//! sleep a slice, its One and Two instants (the first 100 coroutines; a counter for all).

mod events;
mod output;
mod recording;
mod report;
mod trace;

use std::future::{Future, poll_fn};
use std::path::PathBuf;
use std::pin::pin;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use futures::future::join_all;

use events::{EventLog, Word};
use recording::Recorder;
use report::{Phases, Summary};
use trace::Trace;

/// The most coroutines one run may gather: about 2.4 GB at some 240 bytes each, and ten
/// times the largest run the README shows.
const MAX_COUNT: u32 = 10_000_000;

/// asyncio.gather in Rust: N coroutines that sleep at the same time on one thread.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many count() coroutines to run together (at most 10,000,000).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=MAX_COUNT as i64))]
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

    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    /// Above 100 coroutines, only the first 100 get tracks of their own.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = Args::parse();
    // A failure at run time is one line that says what to do: `error: context: cause`.
    if let Err(error) = run(&args) {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The demo, in the order it runs: gather the coroutines, then say what was observed.
fn run(args: &Args) -> anyhow::Result<()> {
    let delay = Duration::from_millis(args.delay_ms);
    report::announce(args.count, args.delay_ms, args.blocking);

    let log = EventLog::new(args.count, args.count <= args.show);
    let trace = match args.trace {
        Some(_) => Trace::new(Instant::now()),
        None => Trace::off(),
    };
    let recorder = Recorder::new(&trace, args.count, args.delay_ms, args.blocking);
    let phases = gather(args, delay, &log, &recorder)?;
    if !args.blocking {
        recorder.thread_phases(log.start.get(), &phases);
    }

    let summary = Summary::new(args.count, delay, args.blocking, &phases, &log);
    summary.print_order_and_time(&log);
    if !args.blocking && args.count > args.show {
        report::print_timeline(&phases, delay, args.count);
    }
    summary.explain();
    summary.print_figures();
    if let Some(path) = &args.trace {
        recording::write(&trace, args.count, path)?;
    }
    println!("{summary}");
    Ok(())
}

// ANCHOR: count
/// The notes' `count()`: "One", a sleep that lets the others run, "Two".
async fn count(id: u32, delay: Duration, say: &impl Fn(Word, u32)) {
    say(Word::One, id);
    tokio::time::sleep(delay).await; // hands the thread back until the timer fires
    say(Word::Two, id);
}

/// The mistake: the same coroutine with a blocking sleep. It never reaches an `.await`, so
/// it never hands the thread back; the runtime cannot run anyone else until it is done.
async fn count_blocking(id: u32, delay: Duration, say: &impl Fn(Word, u32)) {
    say(Word::One, id);
    thread::sleep(delay); // holds the only thread: nobody else runs meanwhile
    say(Word::Two, id);
}
// ANCHOR_END: count

/// `asyncio.run(main())` with `main` awaiting `gather(count(), count(), ...)`: one thread,
/// one event loop, all coroutines joined. The clock runs from before the loop is built to
/// after the last coroutine finished, as the notes time the whole `asyncio.run`.
fn gather(args: &Args, delay: Duration, log: &EventLog, rec: &Recorder) -> anyhow::Result<Phases> {
    let say = |word, id| {
        log.record(word, id);
        rec.record(word, id); // --trace: one branch when off
    };
    report::check_memory_for(args.count, size_of_val(&count(0, delay, &say)))?;
    let start = Instant::now();
    log.start.set(start);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .context("cannot start the tokio runtime; check the process's thread and memory limits")?;
    let mut all_started = None;
    if args.blocking {
        let join = join_all((1..=args.count).map(|id| count_blocking(id, delay, &say)));
        runtime.block_on(mark_first_poll(join, &mut all_started));
    } else {
        // join_all polls every coroutine once (each prints "One" and arms its timer), then
        // only the ones their timer woke. They all live inside ONE tokio task, and tokio
        // gives a task 128 timer polls per turn; past that, a timer answers "not yet". With
        // 100,000 coroutines every turn would re-poll the whole crowd to move 128 of them
        // (quadratic: try --coop-budget). `unconstrained` lifts the budget for this join.
        let join = join_all((1..=args.count).map(|id| count(id, delay, &say)));
        let join = mark_first_poll(join, &mut all_started);
        if args.coop_budget {
            runtime.block_on(join);
        } else {
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
        future_bytes: if args.blocking {
            size_of_val(&count_blocking(0, delay, &say))
        } else {
            size_of_val(&count(0, delay, &say))
        },
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
