//! A blocking call inside async code holds the thread it runs on. Four tasks that each
//! block for 200 ms take 800 ms on a one-thread runtime and 400 ms on two workers, whether
//! they sleep (`std::thread::sleep`) or compute (a CPU loop of the same length); moved off
//! the runtime (`spawn_blocking`, or rayon answering through a oneshot channel) or
//! awaited (`tokio::time::sleep`), the waits overlap and the runtime stays free. A
//! heartbeat task that wants to tick every few milliseconds measures how late it got.
//!
//! Run it:
//!
//!     cargo run --release -p blocking-in-async
//!     taskset -c 0 cargo run --release -p blocking-in-async     (one core)
//!
//! What to look for: the `x block` column (elapsed / one block) and the heartbeat's worst
//! lateness, near a whole block or more while a worker is blocked, a few ms otherwise.
//! `--trace t.json` draws each row: its tasks' blocks and every tick of the heartbeat.

mod cpu;
mod heartbeat;
mod lanes;
mod limits;
mod output;
mod report;
mod trace;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tokio::runtime::{Builder, Runtime};
use tokio::task::{JoinError, JoinHandle};

use cpu::Spin;
use lanes::Lanes;
use report::Report;
use trace::Trace;

/// Four tasks that block for 200 ms: on one thread, on two workers, with spawn_blocking,
/// with rayon, and awaited; a heartbeat measures how late the runtime answers.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many tasks block (asyncio: coroutines); at least --workers.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(2..=64))]
    tasks: u32,
    /// How long each task blocks, in milliseconds: a sleep, or a CPU loop that long.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(20..=5_000))]
    block_ms: u64,
    /// Worker threads of the multi-thread runtime, and threads of the rayon pool.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(2..=16))]
    workers: u32,
    /// How often the heartbeat wants to tick, in milliseconds (at most a quarter block).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1_000))]
    tick_ms: u64,
    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = validate::checked(Args::parse());
    // A failure at run time is one line that says what to do: `error: context: cause`.
    if let Err(error) = run(&args) {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The seven ways, in the order the demo runs them; `main`'s table of contents.
fn run(args: &Args) -> anyhow::Result<()> {
    let (n, block, tick) = (
        args.tasks,
        Duration::from_millis(args.block_ms),
        Duration::from_millis(args.tick_ms),
    );
    limits::check(args.tasks, args.workers)?; // before the first thread, not halfway
    let spin = Spin::new(block).context("this OS has no per-thread CPU clock")?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.workers as usize)
        .build()
        .context("cannot start rayon's threads; lower --workers or raise ulimit -u")?;
    let trace = Arc::new(match args.trace {
        Some(_) => Trace::new(std::time::Instant::now()),
        None => Trace::off(),
    });
    let mut report = Report::new(n, block, tick, args.workers, spin.time_alone(), &trace);
    let (one, multi) = (one_thread, || workers(args.workers));

    // The mistake, on one thread: the four blocks run one after another.
    report.run("current_sleep", &one()?, |l| {
        sleep_on_the_worker(n, block, l)
    })?;
    report.run("current_cpu", &one()?, |l| spin_on_the_worker(n, spin, l))?;

    // More workers: as many blocks at once as there are workers, and no more.
    report.run("multi_sleep", &multi()?, |l| {
        sleep_on_the_worker(n, block, l)
    })?;
    report.run("multi_cpu", &multi()?, |l| spin_on_the_worker(n, spin, l))?;

    // The fixes, on one thread again: the blocking moves off the runtime, or is awaited.
    report.run("spawn_blocking", &one()?, |l| {
        sleep_off_the_runtime(n, block, l)
    })?;
    report.run("rayon", &one()?, |l| spin_on_rayon(n, spin, &pool, l))?;
    report.run("tokio_sleep", &one()?, |l| await_the_timer(n, block, l))?;

    report.explain();
    if let Some(path) = &args.trace {
        let wrote = trace.write(path);
        wrote.with_context(|| format!("cannot write the trace to {}", path.display()))?;
        println!(
            "trace written to {} (open it in ui.perfetto.dev or vizviewer)",
            path.display()
        );
    }
    println!("{}", report.summary());
    Ok(())
}

// ANCHOR: blocking
/// The mistake: each task blocks the worker thread that polls it. Until the sleep ends,
/// that thread runs no other task, no timer, no I/O.
async fn sleep_on_the_worker(tasks: u32, block: Duration, lanes: Lanes) -> Result<(), JoinError> {
    let task = |i| tokio::spawn(lanes.timed(i, async move { std::thread::sleep(block) }));
    join((0..tasks).map(task)).await
}

/// The same mistake with work instead of waiting: a loop with no `.await` in it.
async fn spin_on_the_worker(tasks: u32, spin: Spin, lanes: Lanes) -> Result<(), JoinError> {
    join((0..tasks).map(|i| tokio::spawn(lanes.timed(i, async move { spin.run() })))).await
}
// ANCHOR_END: blocking

// ANCHOR: offload
/// asyncio.to_thread: each blocking call runs on a thread of tokio's blocking pool, and
/// the task awaits its handle; the runtime's own thread stays free.
async fn sleep_off_the_runtime(tasks: u32, block: Duration, lanes: Lanes) -> Result<(), JoinError> {
    let sleep = move || std::thread::sleep(block);
    join((0..tasks).map(|i| tokio::task::spawn_blocking(lanes.timed_fn(i, sleep)))).await
}

/// CPU work belongs on a CPU pool sized to the cores: rayon computes, and a oneshot
/// channel brings each answer back to the async side, which awaits it.
async fn spin_on_rayon(
    tasks: u32,
    spin: Spin,
    pool: &rayon::ThreadPool,
    lanes: Lanes,
) -> anyhow::Result<()> {
    let answers: Vec<_> = (0..tasks)
        .map(|i| {
            let (tx, rx) = tokio::sync::oneshot::channel();
            pool.spawn(lanes.timed_fn(i, move || {
                let _ = tx.send(spin.run()); // the receiver is gone only if the demo is
            }));
            rx
        })
        .collect();
    for answer in answers {
        answer
            .await
            .context("a rayon job ended without its answer")?;
    }
    Ok(())
}

/// asyncio.sleep: the task hands the thread back at `.await`; the timer wakes it.
async fn await_the_timer(tasks: u32, block: Duration, lanes: Lanes) -> Result<(), JoinError> {
    join((0..tasks).map(|i| tokio::spawn(lanes.timed(i, tokio::time::sleep(block))))).await
}
// ANCHOR_END: offload

/// Waits for every task; a task that panicked comes back as a JoinError.
async fn join<T>(handles: impl Iterator<Item = JoinHandle<T>>) -> Result<(), JoinError> {
    let handles: Vec<_> = handles.collect(); // spawn them all before awaiting the first
    for handle in handles {
        handle.await?;
    }
    Ok(())
}

/// asyncio.run's runtime: one thread, the caller's.
fn one_thread() -> anyhow::Result<Runtime> {
    let runtime = Builder::new_current_thread().enable_time().build();
    runtime.context("cannot start a runtime; check the process's limits (ulimit -u, -v)")
}

/// tokio's default runtime, with a set number of worker threads.
fn workers(n: u32) -> anyhow::Result<Runtime> {
    let runtime = Builder::new_multi_thread()
        .worker_threads(n as usize)
        .enable_time()
        .build();
    runtime.context("cannot start the runtime's workers; lower --workers or raise ulimit -u")
}
