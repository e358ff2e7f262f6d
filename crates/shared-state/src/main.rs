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
//! not compile (src/lib.rs, src/mistake.rs).

mod cost;
mod limits;
mod output;
mod report;

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, PoisonError};
use std::thread::{self, ThreadId};
use std::time::Duration;

use anyhow::Context;
use clap::{CommandFactory, Parser, error::ErrorKind};
use tokio::task::{JoinError, JoinHandle};

use report::{Row, Summary};

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
    println!(
        "{tasks} tasks on one thread, each: read the counter, await {} ms, write it + 1",
        args.delay_ms
    );
    // Each version's tasks run to the end on the one thread, then its counter is read. A
    // version whose task failed has no count to show: the run stops with its error.
    let measure = |name: &str, work, counter: &dyn Fn() -> u64| {
        Row::measure(&runtime, work, counter)
            .with_context(|| format!("cannot count the updates of \"{name}\""))
            .map(|row| row.print(name, tasks))
    };
    let _enter = runtime.enter(); // lets the idea functions call tokio::spawn
    let counter = Arc::new(AtomicU64::new(0));
    let lost = measure(
        "read, await, write",
        read_await_write(&counter, tasks, delay),
        &|| counter.load(SeqCst),
    )?;
    let counter = Arc::new(tokio::sync::Mutex::new(0));
    let locked = measure(
        "tokio Mutex across the await",
        locked_across_await(&counter, tasks, delay),
        &|| *counter.blocking_lock(),
    )?;
    let atomic = Arc::new(AtomicU64::new(0));
    let added = measure(
        "atomic fetch_add, then await",
        atomic_add(&atomic, tasks, delay),
        &|| atomic.load(SeqCst),
    )?;
    let counter = Arc::new(std::sync::Mutex::new(0));
    let std_mutex = measure(
        "std Mutex, guard dropped first",
        std_lock_then_await(&counter, tasks, delay),
        &|| *counter.lock().unwrap_or_else(PoisonError::into_inner),
    )?;
    let cost = cost::measure(&runtime, args.cost_updates as usize);
    cost.print();
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

/// Every task of one version: when they have all ended, the thread each ran on, or the
/// first failure (a task that panicked has no update to count).
type Tasks = JoinHandle<Result<Vec<ThreadId>, JoinError>>;

/// Spawns `tasks` copies of a task and a task that waits for them all; each returns
/// its thread.
fn spawn_all<F: Future<Output = ThreadId> + Send + 'static>(
    tasks: usize,
    task: impl Fn() -> F,
) -> Tasks {
    let handles: Vec<_> = (0..tasks).map(|_| tokio::spawn(task())).collect();
    tokio::spawn(async move {
        let mut threads = Vec::with_capacity(handles.len());
        for handle in handles {
            threads.push(handle.await?);
        }
        Ok(threads)
    })
}

// ANCHOR: lost
/// The race: read, `.await`, write. Every read happens before any write, so all but the
/// last update are lost. An atomic does not help: each step is atomic, the three are not.
fn read_await_write(counter: &Arc<AtomicU64>, tasks: usize, delay: Duration) -> Tasks {
    spawn_all(tasks, || {
        let counter = Arc::clone(counter);
        async move {
            let seen = counter.load(SeqCst); // read
            tokio::time::sleep(delay).await; // the other tasks run here, and read the same
            counter.store(seen + 1, SeqCst); // write what this task read, plus one
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
) -> Tasks {
    spawn_all(tasks, || {
        let counter = Arc::clone(counter);
        async move {
            let mut value = counter.lock().await; // wait for the lock without blocking the thread
            let seen = *value;
            tokio::time::sleep(delay).await; // still holding it: nobody else reads meanwhile
            *value = seen + 1;
            thread::current().id()
        }
    })
}
// ANCHOR_END: locked

// ANCHOR: atomic
/// Fix two, when nothing needs to await between the read and the write: do them in one
/// step, then await. The waits overlap again: exactly `tasks`, in about one delay.
fn atomic_add(counter: &Arc<AtomicU64>, tasks: usize, delay: Duration) -> Tasks {
    spawn_all(tasks, || {
        let counter = Arc::clone(counter);
        async move {
            counter.fetch_add(1, SeqCst); // read and write in one indivisible step
            tokio::time::sleep(delay).await;
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
) -> Tasks {
    spawn_all(tasks, || {
        let counter = Arc::clone(counter);
        async move {
            *counter.lock().unwrap_or_else(PoisonError::into_inner) += 1; // guard dropped here
            tokio::time::sleep(delay).await;
            thread::current().id()
        }
    })
}
// ANCHOR_END: atomic
