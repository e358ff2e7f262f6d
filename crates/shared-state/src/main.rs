//! Shared state across `.await`: each of 100 tasks reads a counter, awaits, then writes
//! back what it read plus one. All on ONE thread, with no parallelism at all, the
//! counter still ends far below 100: at the `.await` every other task runs, reads the
//! same old value, and the writes overwrite each other (Fowler shows this in Python).
//! Holding a `tokio::sync::Mutex` across the `.await` makes it exactly 100, at the price
//! of running the tasks one after another; an atomic, or a `std::sync::Mutex` whose
//! guard never crosses an `.await`, is the cheaper fix when nothing needs to await inside.
//!
//! Run: `cargo run --release -p shared-state`. Look for: 1 (or a few) against 100,
//! the times, and what one update costs each way. And `cargo test -p shared-state`
//! proves the fourth version, a std guard held across `.await` in `tokio::spawn`, does
//! not compile (src/lib.rs, src/mistake.rs). `--trace t.json` draws each task's read,
//! await and write: every task of the race reads 0, and every write is `0 + 1 = 1`.

mod cost;
mod lanes;
mod limits;
mod output;
mod report;
mod tasks;
mod trace;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, PoisonError};
use std::thread;
use std::time::Duration;

use anyhow::Context;
use clap::{CommandFactory, Parser, error::ErrorKind};

use lanes::Lanes;
use report::{Row, Summary};
use tasks::{Tasks, spawn_all};

/// Lost updates without threads: read, .await, write, in tasks on one thread.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many tasks each increment the counter once.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(2..=100_000))]
    tasks: u32,
    /// How long each task awaits between its read and its write, in milliseconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1000))]
    delay_ms: u64,
    /// How many updates to time for the cost of one, each way.
    #[arg(long, default_value_t = 200_000, value_parser = clap::value_parser!(u32).range(1_000..=100_000_000))]
    cost_updates: u32,
    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = Args::parse();
    // The locked row runs the tasks one after another: tasks x delay is its length.
    if u64::from(args.tasks) * args.delay_ms > 600_000 {
        let msg = "--tasks x --delay-ms is over 10 minutes, which the tokio Mutex row \
                   (one task after another) would take: lower --tasks or --delay-ms";
        Args::command()
            .error(ErrorKind::ArgumentConflict, msg)
            .exit();
    }
    // A failure at run time is one line that says what to do: `error: context: cause`.
    if let Err(error) = run(&args) {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The demo, in the order it runs: the race, its three fixes, the cost of one update.
fn run(args: &Args) -> anyhow::Result<()> {
    let (tasks, delay) = (args.tasks as usize, Duration::from_millis(args.delay_ms));
    limits::check_memory_for(tasks)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .context("cannot build the tokio runtime; check the process's memory limit (ulimit -v)")?;
    report::print_head(tasks, args.delay_ms);
    let _enter = runtime.enter(); // lets the idea functions call tokio::spawn
    let trace = Arc::new(lanes::trace_if(args.trace.is_some()));
    // Each version's tasks run to the end on the one thread, then its counter is read. A
    // version whose task failed has no count to show: the run stops with its error. `key`
    // names the row in the table and the summary; `delays`, its ideal in delays.
    let measure = |key,
                   name: &str,
                   delays,
                   work: &dyn Fn(&Arc<Lanes>) -> Tasks,
                   counter: &dyn Fn() -> u64| {
        Row::measure(
            &runtime,
            work(&Lanes::new(&trace, name, args.delay_ms)),
            counter,
        )
        .with_context(|| format!("cannot count the updates of \"{name}\""))
        .map(|row| row.print(key, name, tasks, delay * delays))
    };
    let counter = Arc::new(AtomicU64::new(0));
    let lost = measure(
        "lost",
        "read, await, write",
        1,
        &|lanes| read_await_write(&counter, tasks, delay, lanes),
        &|| counter.load(SeqCst),
    )?;
    let counter = Arc::new(tokio::sync::Mutex::new(0));
    let locked = measure(
        "async_lock",
        "tokio Mutex held across the await",
        args.tasks,
        &|lanes| locked_across_await(&counter, tasks, delay, lanes),
        &|| *counter.blocking_lock(),
    )?;
    let atomic = Arc::new(AtomicU64::new(0));
    let added = measure(
        "one_step",
        "atomic fetch_add, then await",
        1,
        &|lanes| atomic_add(&atomic, tasks, delay, lanes),
        &|| atomic.load(SeqCst),
    )?;
    let counter = Arc::new(std::sync::Mutex::new(0));
    let std_mutex = measure(
        "sync_lock",
        "std Mutex, guard dropped before the await",
        1,
        &|lanes| std_lock_then_await(&counter, tasks, delay, lanes),
        &|| *counter.lock().unwrap_or_else(PoisonError::into_inner),
    )?;
    report::explain(tasks, args.delay_ms, &locked, &lost);
    let cost = cost::measure(&runtime, args.cost_updates as usize);
    cost.print(args.cost_updates as usize);
    if let Some(path) = &args.trace {
        lanes::write(&trace, tasks, path)?;
    }
    println!(
        "{}",
        Summary {
            tasks,
            delay,
            lost,
            locked,
            atomic: added,
            std_mutex,
            cost
        }
    );
    Ok(())
}

// ANCHOR: lost
/// The race: read, `.await`, write. Every read happens before any write, so all but the
/// last update are lost. An atomic does not help: each step is atomic, the three are not.
/// (`lane` draws each step in the trace.)
fn read_await_write(
    counter: &Arc<AtomicU64>,
    tasks: usize,
    delay: Duration,
    lanes: &Arc<Lanes>,
) -> Tasks {
    spawn_all(tasks, lanes, |mut lane| {
        let counter = Arc::clone(counter);
        async move {
            let seen = counter.load(SeqCst); // read
            lane.read(seen);
            tokio::time::sleep(delay).await; // the other tasks run here, and read the same
            lane.awaited(false);
            counter.store(seen + 1, SeqCst); // write what this task read, plus one
            lane.wrote(seen + 1);
            thread::current().id()
        }
    })
}
// ANCHOR_END: lost

// ANCHOR: locked
/// Fix one: tokio's Mutex, held across the `.await`. The read and the write are one step
/// now, so the other tasks wait their turn: exactly `tasks`, in `tasks` delays.
fn locked_across_await(
    counter: &Arc<tokio::sync::Mutex<u64>>,
    tasks: usize,
    delay: Duration,
    lanes: &Arc<Lanes>,
) -> Tasks {
    spawn_all(tasks, lanes, |mut lane| {
        let counter = Arc::clone(counter);
        async move {
            let mut value = counter.lock().await; // wait for the lock without blocking the thread
            lane.locked();
            let seen = *value;
            lane.read(seen);
            tokio::time::sleep(delay).await; // still holding it: nobody else reads meanwhile
            lane.awaited(true);
            *value = seen + 1;
            lane.wrote(seen + 1);
            thread::current().id()
        }
    })
}
// ANCHOR_END: locked

// ANCHOR: atomic
/// Fix two, when nothing needs to await between the read and the write: do them in one
/// step, then await. The waits overlap again: exactly `tasks`, in about one delay.
fn atomic_add(
    counter: &Arc<AtomicU64>,
    tasks: usize,
    delay: Duration,
    lanes: &Arc<Lanes>,
) -> Tasks {
    spawn_all(tasks, lanes, |mut lane| {
        let counter = Arc::clone(counter);
        async move {
            let old = counter.fetch_add(1, SeqCst); // read and write in one indivisible step
            lane.added(old + 1);
            tokio::time::sleep(delay).await;
            lane.awaited(false);
            thread::current().id()
        }
    })
}

/// Fix three, the same with a std Mutex: its guard is dropped before the `.await` (the
/// end of the statement), so the future stays `Send`. Holding it across the `.await`
/// instead does not compile in a spawned task: see src/mistake.rs.
fn std_lock_then_await(
    counter: &Arc<std::sync::Mutex<u64>>,
    tasks: usize,
    delay: Duration,
    lanes: &Arc<Lanes>,
) -> Tasks {
    spawn_all(tasks, lanes, |mut lane| {
        let counter = Arc::clone(counter);
        async move {
            let value = {
                let mut guard = counter.lock().unwrap_or_else(PoisonError::into_inner);
                *guard += 1;
                *guard
            }; // the guard is dropped here, before the await: the future stays Send
            lane.added(value);
            tokio::time::sleep(delay).await;
            lane.awaited(false);
            thread::current().id()
        }
    })
}
// ANCHOR_END: atomic
