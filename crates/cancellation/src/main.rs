//! Cancelling in Rust is dropping a future. A dropped future stops at the `.await` it was
//! waiting at and never resumes; only its synchronous `Drop` code runs (Python's `finally`
//! may still await). Seven cases, each counted with a job's completion counter and a
//! `Drop` guard: a timeout around a future, a timeout around a JoinHandle (the task runs
//! on, like `shield`), `abort()`, `abort()` on `spawn_blocking` work (it cannot be
//! stopped), a future never awaited (it never runs), a spawned task never awaited (it
//! runs), and a dropped JoinHandle (the task runs on, detached).
//!
//! Run it:
//!
//!     cargo run --release -p cancellation
//!
//! What to look for: the `completed` and `cleanup` columns: 0 and 1 where the job was
//! cancelled, 1 and 0 where it ran on although the caller stopped waiting. `--trace t.json`
//! draws each job until it really stopped, and the moment its caller gave up.

mod counts;
mod output;
mod report;
mod setup;
mod trace;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tokio::time::{sleep, timeout};

use counts::{Counts, Got, Tally};
use report::Report;
use trace::Trace;

/// Seven ways to stop waiting for a job, and what each does to the job: counted.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How long the job waits at its `.await`, in milliseconds.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(20..=5_000))]
    work_ms: u64,
    /// When the caller gives up (timeout, abort), in milliseconds: at most half of --work-ms.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=2_500))]
    timeout_ms: u64,
    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = setup::checked(Args::parse());
    // A failure at run time is one line that says what to do: `error: context: cause`.
    if let Err(error) = run(args.work(), args.limit(), args.trace.as_deref()) {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The seven cases, in the order the demo runs them, on asyncio.run's one thread.
fn run(work: Duration, limit: Duration, path: Option<&std::path::Path>) -> anyhow::Result<()> {
    let trace = Arc::new(path.map_or_else(Trace::off, |_| Trace::new(std::time::Instant::now())));
    let case = |name: &str| Counts::drawn(&trace, name); // one group of the trace per case
    let report = setup::one_thread()?.block_on(async {
        let mut report = Report::new(work, limit);
        let counts = case("timeout on the future");
        report.case(
            "timeout_future",
            timeout_on_the_future(work, limit, counts).await,
        );
        let counts = case("timeout on the JoinHandle");
        report.case(
            "timeout_handle",
            timeout_on_the_handle(work, limit, counts).await?,
        );
        report.case(
            "abort",
            abort_the_task(work, limit, case("abort() on a task")).await,
        );
        let counts = case("abort() on spawn_blocking");
        report.case("abort_blocking", abort_blocking_work(work, counts).await?);
        report.case(
            "never_awaited",
            never_await(work, case("a future never awaited")).await,
        );
        let counts = case("spawned, never awaited");
        report.case("spawned", spawn_and_never_await(work, counts).await?);
        report.case(
            "detached",
            drop_the_handle(work, case("JoinHandle dropped")).await?,
        );
        anyhow::Ok(report)
    })?;
    let summary = report.explain();
    if let Some(path) = path {
        let wrote = trace.write(path);
        wrote.with_context(|| format!("cannot write the trace to {}", path.display()))?;
        println!(
            "trace written to {} (open it in ui.perfetto.dev or vizviewer)",
            path.display()
        );
    }
    println!("{summary}");
    Ok(())
}

// ANCHOR: job
/// The job every case runs: start, wait at an `.await`, finish. The guard's `Drop` is its
/// cleanup, and the only code that still runs when the job's future is dropped mid-way.
async fn job(counts: Counts, work: Duration) {
    let guard = counts.start(); // started += 1
    sleep(work).await; // a cancelled job stops here, for good
    guard.finish(); // completed += 1 (otherwise the guard's Drop counts a cleanup)
}
// ANCHOR_END: job

// ANCHOR: timeout
/// `async with asyncio.timeout(t): await coro` (or `wait_for(coro, t)`): the timeout owns
/// the future, and drops it when time is up.
async fn timeout_on_the_future(work: Duration, limit: Duration, counts: Counts) -> (Tally, Got) {
    let got = timeout(limit, job(counts.clone(), work)).await;
    counts.caller("timeout: time is up, the future is dropped");
    sleep(work).await; // the job would have finished by now, had it run on
    let got = if got.is_err() { Got::Elapsed } else { Got::Ok };
    (counts.tally(), got)
}

/// A timeout around a JoinHandle drops the handle, not the task: the task runs on, as
/// behind asyncio.shield. (asyncio.timeout around `await task` would cancel it.)
async fn timeout_on_the_handle(
    work: Duration,
    limit: Duration,
    counts: Counts,
) -> anyhow::Result<(Tally, Got)> {
    let task = tokio::spawn(job(counts.clone(), work));
    let got = timeout(limit, task).await;
    counts.caller("timeout: time is up, only the handle is dropped");
    let tally = counts.completed().await?; // it finishes, though nobody waits for it
    Ok((tally, if got.is_err() { Got::Elapsed } else { Got::Ok }))
}
// ANCHOR_END: timeout

// ANCHOR: abort
/// task.cancel(): abort() has the runtime drop the task's future at its current `.await`.
async fn abort_the_task(work: Duration, limit: Duration, counts: Counts) -> (Tally, Got) {
    let task = tokio::spawn(job(counts.clone(), work));
    sleep(limit).await;
    task.abort();
    counts.caller("abort()");
    let got = task.await;
    sleep(work).await; // the job would have finished by now, had it run on
    let cancelled = got.is_err_and(|e| e.is_cancelled());
    (
        counts.tally(),
        if cancelled { Got::Cancelled } else { Got::Ok },
    )
}

/// abort() on spawn_blocking work that has started does nothing: a thread running
/// ordinary code has no `.await` at which to stop, so the work runs to its end.
async fn abort_blocking_work(work: Duration, counts: Counts) -> anyhow::Result<(Tally, Got)> {
    let shared = counts.clone();
    let task = tokio::task::spawn_blocking(move || {
        let guard = shared.start();
        std::thread::sleep(work); // no `.await`: nothing can stop this
        guard.finish();
    });
    counts.started().await?; // abort only once it runs (before, abort would prevent it)
    task.abort();
    counts.caller("abort(): the thread runs on");
    let got = task.await; // waits for the whole work: the abort changed nothing
    Ok((
        counts.tally(),
        if got.is_ok() { Got::Ok } else { Got::Cancelled },
    ))
}
// ANCHOR_END: abort

// ANCHOR: lazy
/// A coroutine never awaited: a future is a value, and does nothing until it is polled.
async fn never_await(work: Duration, counts: Counts) -> (Tally, Got) {
    let future = job(counts.clone(), work); // built, never polled
    sleep(work).await; // all the time it would need
    drop(future); // dropped without a single poll: its body never ran
    counts.caller("the future dropped, never polled");
    (counts.tally(), Got::Nothing)
}

/// asyncio.create_task: tokio::spawn hands the future to the runtime, which polls it to
/// the end whether or not anyone awaits the handle.
async fn spawn_and_never_await(work: Duration, counts: Counts) -> anyhow::Result<(Tally, Got)> {
    counts.caller("tokio::spawn, the handle never awaited");
    let _task = tokio::spawn(job(counts.clone(), work)); // kept, never awaited
    Ok((counts.completed().await?, Got::Nothing))
}

/// Dropping a JoinHandle detaches the task; it does not cancel it (tokio #1830).
async fn drop_the_handle(work: Duration, counts: Counts) -> anyhow::Result<(Tally, Got)> {
    drop(tokio::spawn(job(counts.clone(), work)));
    counts.caller("drop(JoinHandle)");
    Ok((counts.completed().await?, Got::Nothing))
}
// ANCHOR_END: lazy
