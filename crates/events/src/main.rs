//! asyncio's `Event`, `Condition` and `Barrier`, in tokio: `Notify`, `watch` and `Barrier`,
//! all on ONE thread. One `notify_waiters()` releases every task waiting (counted, with how
//! long each took to run). The lost wake-up: `notify_waiters()` wakes only the tasks already
//! waiting, so a task that comes later misses it (an edge, like `Condition.notify_all`);
//! `notify_one()` stores a permit for one latecomer; a `watch` holds its value, so every
//! latecomer sees it (a level, like `Event.set()`). A `watch` keeps only the latest value:
//! a slow reader sees a few of many updates, and always the last. A `Barrier` of N releases
//! all N at once, however spread out they arrive.
//!
//!     cargo run --release -p events
//!     cargo run --release -p events -- --waiters 1000 --updates 100000
//!
//! What to look for: `released` = `waiters`; `edge_woke=0`, `permit_woke=1`,
//! `level_woke` = `late`; `seen` far below `sent` with `latest_ok=yes`; and
//! `release_spread_ms` near zero while `arrive_spread_ms` is large.

mod output;
mod report;
mod trace;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tokio::sync::{Barrier, Notify, watch};
use tokio::time::{Instant, sleep, timeout};

use report::{Late, Latest, Met, Released, Summary, Tr};

/// Notify, watch and Barrier: one event, many waiters; lost wake-ups; the latest value.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many tasks wait for the one event.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    waiters: u32,
    /// How many tasks come to wait after the event was signalled.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    late: u32,
    /// How long a latecomer waits before it counts as missed, in ms.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(10..=10_000))]
    wait_ms: u64,
    /// How many values the watch sender sends, as fast as it can.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    updates: u64,
    /// How many tasks meet at the barrier.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(2..=10_000))]
    parties: u32,
    /// How far apart the parties arrive at the barrier, in ms.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    stagger_ms: u64,
    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
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

/// The four parts, in order, on one thread.
fn run(args: &Args) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .context("cannot start the runtime; check the process's limits (ulimit -u, -v)")?;
    let tr = Arc::new(Tr::new(
        args.trace.is_some(),
        [args.waiters, args.late, args.parties],
    ));
    let wait = Duration::from_millis(args.wait_ms);
    let stagger = Duration::from_millis(args.stagger_ms);
    let summary = runtime.block_on(async {
        report::released_header(args.waiters);
        let released = one_event_many_waiters(args.waiters, &tr).await?;
        report::released(&released);
        report::late_header(args.late, wait);
        let late = latecomers(args.late, wait, &tr).await?;
        report::late(&late, args.late);
        report::latest_header(args.updates);
        let latest = latest_value(args.updates, &tr).await?;
        report::latest(&latest);
        report::met_header(args.parties, stagger);
        let met = meet_at_a_barrier(args.parties, stagger, &tr).await?;
        report::met(&met);
        let threads = report::os_threads();
        anyhow::Ok(Summary {
            released,
            late,
            latest,
            met,
            threads,
            wait,
            stagger,
        })
    })?;
    if let Some(path) = &args.trace {
        tr.write(path)?;
    }
    println!("{summary}");
    Ok(())
}

// ANCHOR: release
/// asyncio.Event with N waiters: N tasks wait, one `notify_waiters()` wakes them all. It
/// wakes only those already waiting, so each task registers first (`enable`) and says so.
async fn one_event_many_waiters(n: u32, tr: &Arc<Tr>) -> anyhow::Result<Released> {
    let event = Arc::new(Notify::new());
    let (woke, ready) = (
        Arc::new(Mutex::new(Vec::new())),
        Arc::new(AtomicU32::new(0)),
    );
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (event, woke, ready, tr) = (event.clone(), woke.clone(), ready.clone(), tr.clone());
        tasks.spawn(async move {
            let since = Instant::now();
            let mut notified = std::pin::pin!(event.notified());
            notified.as_mut().enable(); // in the queue of waiters from here on
            ready.fetch_add(1, Ordering::Relaxed);
            notified.await; // waits here until the event
            let at = Instant::now();
            woke.lock().unwrap_or_else(|p| p.into_inner()).push(at);
            tr.waited(i, since, at);
        });
    }
    while ready.load(Ordering::Relaxed) < n {
        tokio::task::yield_now().await; // let every task reach its wait
    }
    sleep(Duration::from_millis(20)).await; // all wait, holding no thread
    let signalled = Instant::now();
    event.notify_waiters(); // one call wakes every task waiting now
    while let Some(done) = tasks.join_next().await {
        done.context("a waiting task panicked")?;
    }
    let woke = woke.lock().unwrap_or_else(|p| p.into_inner()).clone();
    Ok(Released {
        waiters: n,
        signalled,
        woke,
    })
}
// ANCHOR_END: release

// ANCHOR: late
/// The lost wake-up: signal first, then `late` tasks come to wait, each for up to `wait`.
/// `notify_waiters()` is an edge: nobody was waiting, so nobody wakes. `notify_one()`
/// stores one permit: the first latecomer takes it. A watch holds its value: a level,
/// like asyncio's `Event.set()`, which every latecomer sees.
async fn latecomers(late: u32, wait: Duration, tr: &Arc<Tr>) -> anyhow::Result<Late> {
    let edge = Arc::new(Notify::new());
    edge.notify_waiters(); // before anyone waits: lost
    let permit = Arc::new(Notify::new());
    permit.notify_one(); // before anyone waits: kept, for one
    let (level, rx) = watch::channel(false);
    level.send_replace(true); // the value stays true for whoever looks
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..late {
        let (edge, permit, mut rx, tr) = (edge.clone(), permit.clone(), rx.clone(), tr.clone());
        tasks.spawn(async move {
            let since = Instant::now();
            let woke = tokio::join!(
                async { timeout(wait, edge.notified()).await.is_ok() },
                async { timeout(wait, permit.notified()).await.is_ok() },
                async { timeout(wait, rx.wait_for(|on| *on)).await.is_ok() },
            );
            tr.latecomer(i, since, woke);
            woke
        });
    }
    let mut counts = Late::default();
    while let Some(done) = tasks.join_next().await {
        let (edge, permit, level) = done.context("a late task panicked")?;
        counts.edge += u32::from(edge);
        counts.permit += u32::from(permit);
        counts.level += u32::from(level);
    }
    Ok(counts)
}
// ANCHOR_END: late

// ANCHOR: latest
/// A watch keeps only the latest value: the sender sends `updates` values as fast as it
/// can; a reader that takes 1 ms for each sees only some of them, and always the last.
async fn latest_value(updates: u64, tr: &Arc<Tr>) -> anyhow::Result<Latest> {
    let (tx, mut rx) = watch::channel(0u64);
    let tr2 = tr.clone();
    let reader = tokio::spawn(async move {
        let (mut seen, mut last) = (0u64, 0u64);
        while rx.changed().await.is_ok() {
            last = *rx.borrow_and_update(); // the newest value; those before it are gone
            seen += 1;
            tr2.seen(last);
            sleep(Duration::from_millis(1)).await; // a slow reader
        }
        (seen, last)
    });
    let start = Instant::now();
    for value in 1..=updates {
        tx.send_replace(value); // overwrites; never waits for the reader
        if value % 64 == 0 {
            tokio::task::yield_now().await; // let the reader run now and then
        }
    }
    let sent_in = start.elapsed();
    sleep(Duration::from_millis(5)).await; // the reader takes the last value
    drop(tx); // the reader's changed() ends
    let (seen, last) = reader.await.context("the reading task panicked")?;
    Ok(Latest {
        sent: updates,
        seen,
        last,
        sent_in,
    })
}
// ANCHOR_END: latest

// ANCHOR: barrier
/// asyncio.Barrier: N tasks arrive `stagger` apart; the barrier lets all go at once when
/// the last arrives. `wait()` names one of them the leader.
async fn meet_at_a_barrier(n: u32, stagger: Duration, tr: &Arc<Tr>) -> anyhow::Result<Met> {
    let barrier = Arc::new(Barrier::new(n as usize));
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (barrier, tr) = (barrier.clone(), tr.clone());
        tasks.spawn(async move {
            sleep(stagger * i).await; // party i arrives i x stagger after the first
            let arrived = Instant::now();
            let leader = barrier.wait().await.is_leader(); // waits for the last one
            let released = Instant::now();
            tr.party(i, start, arrived, released);
            (arrived, released, leader)
        });
    }
    let mut each = Vec::new();
    while let Some(done) = tasks.join_next().await {
        each.push(done.context("a party panicked")?);
    }
    Ok(Met { each })
}
// ANCHOR_END: barrier
