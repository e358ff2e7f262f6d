//! Backpressure: a producer of N items and consumers that take a set time per item, joined
//! by a queue. With a bounded `tokio::sync::mpsc::channel(8)` the producer waits whenever
//! 8 items are waiting, so it can never run far ahead: it finishes about when the consumers
//! do, and the waiting items hold a few kilobytes. With an unbounded channel it never
//! waits: it finishes at once, and every item sits in memory until a consumer gets to it.
//! Shutdown needs no sentinel and no cancellation: when the producer drops its sender,
//! each consumer's `recv()` returns `None` once the queue is empty, and it ends.
//!
//! Run: `cargo run --release -p queue-backpressure`, then try `-- --items 1000000
//! --work-ms 0` and compare the memory.
//!
//! Look for: most waiting 8 against N, heap held, when the producer finished, every item
//! consumed exactly once, and items per second through one bounded queue. `--trace
//! t.json` draws it: the producer's sends, each consumer's items, and the items waiting.

mod heap;
mod inbox;
mod lanes;
mod ledger;
mod limits;
mod output;
mod plan;
mod report;
mod trace;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use futures::future::join_all;
use tokio::sync::{Mutex, mpsc};

use inbox::Inbox;
use lanes::Lanes;
use ledger::Ledger;
use plan::Plan;
use report::{Run, Summary};
use trace::Trace;

/// Measures the memory each waiting item really takes, payload and queue blocks alike.
#[global_allocator]
static HEAP: heap::Counting = heap::Counting;

/// A producer, consumers and a queue between them: bounded (backpressure) against unbounded.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many items the producer makes.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=5_000_000))]
    items: u32,
    /// How many consumers take items from the queue.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    consumers: u32,
    /// How many items the bounded queue holds (mpsc::channel(8), asyncio.Queue(maxsize=8));
    /// with --consumers, below --items.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    capacity: u32,
    /// How long a consumer works on each item, in milliseconds (0: no wait, only a yield).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=1000))]
    work_ms: u64,
    /// How many bytes of payload each item carries.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(0..=65_536))]
    item_bytes: u32,
    /// How many items to time through one bounded queue with no work at all.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    throughput_items: u32,
    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = Args::parse();
    let plan = plan::check(&args);
    // A failure at run time is one line that says what to do: `error: context: cause`.
    if let Err(error) = run(&args, plan) {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The demo, in the order it runs: the bounded queue, the unbounded one, the throughput.
fn run(args: &Args, plan: Plan) -> anyhow::Result<()> {
    limits::check_memory_for(args.items, args.item_bytes)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .context("cannot build the tokio runtime; check the process's memory limit (ulimit -v)")?;
    report::print_head(&plan);
    let trace = match args.trace {
        Some(_) => Trace::new(Instant::now()),
        None => Trace::off(),
    };
    let lanes = |queue: &str| Lanes::new(&trace, queue, plan.consumers, plan.items);
    let bounded_name = format!("bounded ({})", plan.capacity);
    let bounded = Run::measure(plan.items, lanes(&bounded_name), |ledger| {
        runtime.block_on(bounded_queue(&plan, ledger))
    });
    bounded.print(&bounded_name, &plan);
    let unbounded = Run::measure(plan.items, lanes("unbounded"), |ledger| {
        runtime.block_on(unbounded_queue(&plan, ledger))
    });
    unbounded.print("unbounded", &plan);
    let items_per_s = runtime.block_on(throughput(args.throughput_items as usize, plan.capacity));
    if let Some(path) = &args.trace {
        heap::uncounted(|| lanes::write(&trace, plan.items, path))?;
    }
    heap::uncounted(|| drop(trace));
    let summary = Summary {
        plan,
        bounded,
        unbounded,
        items_per_s,
    };
    summary.explain(args.throughput_items);
    println!("{summary}");
    Ok(())
}

/// One item of work: its number and a payload, as a real message carries.
struct Item {
    id: usize,
    payload: Vec<u8>,
}

// ANCHOR: bounded
/// The producer, the consumers and a queue of `capacity` between them, on one thread.
async fn bounded_queue(plan: &Plan, ledger: &Ledger<'_>) {
    let (tx, rx) = mpsc::channel(plan.capacity);
    let inbox = Mutex::new(rx); // mpsc has one receiver: the consumers take turns at it
    let consumers = join_all((0..plan.consumers).map(|c| consume(c, &inbox, plan.work, ledger)));
    let producer = async move {
        for id in 0..plan.items {
            let item = Item {
                id,
                payload: vec![7; plan.item_bytes],
            };
            // Backpressure: while `capacity` items wait, this `.await` waits for a free slot.
            if tx.send(item).await.is_err() {
                return; // every receiver gone: cannot happen while the consumers run
            }
            ledger.queued();
        }
        ledger.producer_finished();
    }; // the sender is dropped here: that, and nothing else, tells the consumers to stop
    tokio::join!(producer, consumers);
}
// ANCHOR_END: bounded

// ANCHOR: unbounded
/// The same with an unbounded queue: `send` has no `.await`, it never waits.
async fn unbounded_queue(plan: &Plan, ledger: &Ledger<'_>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let inbox = Mutex::new(rx);
    let consumers = join_all((0..plan.consumers).map(|c| consume(c, &inbox, plan.work, ledger)));
    let producer = async move {
        for id in 0..plan.items {
            if tx
                .send(Item {
                    id,
                    payload: vec![7; plan.item_bytes],
                })
                .is_err()
            {
                return;
            }
            ledger.queued();
        }
        ledger.producer_finished();
    };
    tokio::join!(producer, consumers);
}
// ANCHOR_END: unbounded

// ANCHOR: consume
/// Consumer `me`: take an item, work on it, repeat, until the queue is closed and empty.
async fn consume(me: usize, inbox: &Mutex<impl Inbox>, work: Duration, ledger: &Ledger<'_>) {
    loop {
        // The lock is held for the take only: the guard is dropped at the end of this line.
        let item = inbox.lock().await.take().await;
        let Some(item) = item else {
            return; // every sender dropped and nothing left: no sentinel, no cancel
        };
        ledger.taken(me, item.id);
        if work.is_zero() {
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(work).await; // the work: other consumers run meanwhile
        }
        drop(item.payload);
        ledger.worked(me);
    }
}
// ANCHOR_END: consume

// ANCHOR: throughput
/// Items per second through one bounded queue: one producer, one consumer, no work.
async fn throughput(items: usize, capacity: usize) -> f64 {
    let (tx, mut rx) = mpsc::channel(capacity);
    let start = Instant::now();
    let producer = async move {
        for i in 0..items {
            let _ = tx.send(i).await;
        }
    };
    let consumer = async {
        let mut taken = 0;
        while rx.recv().await.is_some() {
            taken += 1;
        }
        taken
    };
    let ((), taken) = tokio::join!(producer, consumer);
    taken as f64 / start.elapsed().as_secs_f64()
}
// ANCHOR_END: throughput
