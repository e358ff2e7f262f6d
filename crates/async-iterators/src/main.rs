//! Python's `async for` over an async generator, in Rust: a `Stream`, pulled with
//! `.next().await`. Three ways to make one: a hand-written `impl Stream` (its `poll_next`),
//! `futures::stream::unfold`, and a spawned producer feeding a channel. A stream is lazy:
//! nothing runs until it is polled (the producer's steps counted before and after the first
//! poll), while a spawned task runs at once. Pulling is backpressure: a slow consumer slows
//! the producer (items produced ahead stay at most the buffer), where an unbounded channel
//! piles them up. `buffer_unordered(n)` keeps n futures in flight in ONE task, against
//! sequential `.next().await`. And Rust has no async Drop: `async with`'s exit becomes an
//! explicit `close().await`; a Drop can only do sync work or spawn, and what it spawns
//! runs later, or never if the runtime ends first. All on ONE thread.
//!
//!     cargo run --release -p async-iterators
//!     cargo run --release -p async-iterators -- --items 1000 --buffer 16 --jobs 32
//!
//! What to look for: `hand_before=0 unfold_before=0` but `channel_before` = `buffer`;
//! `bounded_ahead` <= `buffer` while `unbounded_ahead` is near `items`; `unordered_ms`
//! about `seq_ms` / `in_flight`; `close_awaited=1`, `drop_done_at_exit=0`, `drop_lost=1`.

mod closing;
mod output;
mod report;
mod streams;
mod trace;

use std::path::PathBuf;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use futures::{Stream, StreamExt, stream};
use tokio::time::{Instant, sleep};

use report::{Flow, Lazy, Pull, Summary, Tr};

/// Stream as the async iterator: lazy, pulled (backpressure), buffer_unordered, no async Drop.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many items each producer makes for the slow consumer.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(10..=1_000_000))]
    items: u64,
    /// The bounded channel's capacity: how far the producer may run ahead.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    buffer: u64,
    /// How many jobs the stream maps to async work (sequential, then buffer_unordered).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    jobs: u64,
    /// How long each job waits, in ms.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1_000))]
    job_ms: u64,
    /// How many jobs buffer_unordered keeps in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    in_flight: u64,
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

/// One current-thread runtime for the parts, in order; a second, short one for the lost drop.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .context("cannot start the runtime; check the process's limits (ulimit -u, -v)")
}

fn run(args: &Args) -> anyhow::Result<()> {
    let tr = Arc::new(Tr::new(args.trace.is_some(), args.jobs));
    let job = Duration::from_millis(args.job_ms);
    let (lazy, pull, flow, mut closing) = runtime()?.block_on(async {
        report::lazy_header(args.buffer);
        let lazy = laziness(args.buffer).await;
        report::lazy(&lazy);
        report::pull_header(args.items, args.buffer);
        let pull = backpressure(args.items, args.buffer, &tr).await;
        report::pull(&pull, args.buffer);
        report::flow_header(args.jobs, job, args.in_flight);
        let flow = sequential_then_unordered(args.jobs, job, args.in_flight as usize, &tr).await;
        report::flow(&flow);
        report::closing_header();
        let closing = closing::close_or_drop(&tr).await;
        anyhow::Ok((lazy, pull, flow, closing))
    })?;
    closing.lost = closing::drop_as_the_runtime_ends()?; // on this same thread, after the first runtime
    report::closing(&closing);
    if let Some(path) = &args.trace {
        tr.write(path)?;
    }
    let threads = report::os_threads();
    println!(
        "{}",
        Summary {
            lazy,
            pull,
            flow,
            closing,
            threads,
            job
        }
    );
    Ok(())
}

// ANCHOR: lazy
/// Make each stream, give the runtime a turn, count the producer's steps; then pull once.
async fn laziness(buffer: u64) -> Lazy {
    let before_after = |steps: &Arc<AtomicU64>| steps.load(Relaxed);
    let hand_steps = Arc::new(AtomicU64::new(0));
    let mut hand = streams::Counter {
        next: 0,
        n: 100,
        steps: hand_steps.clone(),
    };
    let unfold_steps = Arc::new(AtomicU64::new(0));
    let s = unfold_steps.clone();
    // An async generator: the closure runs once per item, only when the stream is polled.
    let mut unfold = Box::pin(stream::unfold(0u64, move |i| {
        let s = s.clone();
        async move {
            s.fetch_add(1, Relaxed);
            (i < 100).then_some((i + 1, i + 1))
        }
    }));
    let channel_steps = Arc::new(AtomicU64::new(0));
    let mut channel = streams::channel_stream(buffer, 100, channel_steps.clone(), None);
    tokio::task::yield_now().await; // the runtime has a turn: whatever is eager runs now
    let before = [&hand_steps, &unfold_steps, &channel_steps].map(before_after);
    let _ = (hand.next().await, unfold.next().await, channel.next().await);
    tokio::task::yield_now().await;
    let after = [&hand_steps, &unfold_steps, &channel_steps].map(before_after);
    Lazy { before, after }
}
// ANCHOR_END: lazy

// ANCHOR: pull
/// A consumer that takes 1 ms per item pulls from three producers; after each item it
/// counts how many were produced and not yet consumed (ahead), and when the producer ended.
async fn backpressure(items: u64, buffer: u64, tr: &Arc<Tr>) -> [Pull; 3] {
    let mut pulls = Vec::new();
    for way in 0..3 {
        let produced = Arc::new(AtomicU64::new(0));
        let (done_tx, mut done_rx) = tokio::sync::oneshot::channel();
        let start = Instant::now();
        let mut items_stream: Pin<Box<dyn Stream<Item = u64>>> = match way {
            0 => {
                let (p, mut done) = (produced.clone(), Some(done_tx));
                Box::pin(stream::unfold(0u64, move |i| {
                    let p = p.clone();
                    let done = (i == items - 1).then(|| done.take()).flatten();
                    async move {
                        if i == items {
                            return None;
                        }
                        p.fetch_add(1, Relaxed); // produced only when pulled
                        if let Some(d) = done {
                            let _ = d.send(Instant::now());
                        }
                        Some((i + 1, i + 1))
                    }
                }))
            }
            1 => streams::channel_stream(buffer, items, produced.clone(), Some(done_tx)),
            _ => streams::unbounded_stream(items, produced.clone(), done_tx),
        };
        let (mut consumed, mut most_ahead) = (0u64, 0u64);
        while items_stream.next().await.is_some() {
            consumed += 1;
            let ahead = produced.load(Relaxed).saturating_sub(consumed);
            most_ahead = most_ahead.max(ahead);
            tr.ahead(way, ahead);
            sleep(Duration::from_millis(1)).await; // the slow consumer
        }
        let producer_done = done_rx.try_recv().map(|at| at - start).unwrap_or_default();
        tr.producer(way, start, start + producer_done);
        pulls.push(Pull {
            consumed,
            most_ahead,
            producer_done,
            took: start.elapsed(),
        });
    }
    [pulls.remove(0), pulls.remove(0), pulls.remove(0)]
}
// ANCHOR_END: pull

// ANCHOR: flow
/// Each job waits `job` (an async call). `then` awaits them one at a time, like
/// `async for` with an `await` inside; `buffer_unordered(n)` keeps n in flight, in ONE task.
async fn sequential_then_unordered(jobs: u64, job: Duration, n: usize, tr: &Arc<Tr>) -> Flow {
    let in_flight = Arc::new(AtomicU64::new(0));
    let most = Arc::new(AtomicU64::new(0));
    let work = |way: usize| {
        let (in_flight, most, tr) = (in_flight.clone(), most.clone(), tr.clone());
        move |i: u64| {
            let (in_flight, most, tr) = (in_flight.clone(), most.clone(), tr.clone());
            async move {
                let from = Instant::now();
                most.fetch_max(in_flight.fetch_add(1, Relaxed) + 1, Relaxed);
                sleep(job).await;
                in_flight.fetch_sub(1, Relaxed);
                tr.job(way, i, from, Instant::now());
                i
            }
        }
    };
    let start = Instant::now();
    let done = stream::iter(0..jobs).then(work(0)).count().await as u64;
    let seq = (start.elapsed(), most.swap(0, Relaxed), done);
    let start = Instant::now();
    let done = stream::iter(0..jobs)
        .map(work(1))
        .buffer_unordered(n)
        .count()
        .await as u64;
    let unordered = (start.elapsed(), most.load(Relaxed), done);
    Flow { seq, unordered }
}
// ANCHOR_END: flow
