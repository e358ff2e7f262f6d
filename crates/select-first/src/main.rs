//! Waiting for the first of several, asyncio's `wait(FIRST_COMPLETED)` and `as_completed`,
//! in Rust. `select!` returns the first branch to finish and DROPS the others: their
//! cleanup runs at once and they never finish (Python's `wait` leaves them running until
//! you cancel them). A `JoinSet` hands results back in completion order, and dropping it
//! aborts what it still holds. `try_join!` drops the others at the first error (Python's
//! `gather` lets them run on). Because losing a race drops a future, a future that had
//! already taken a message out of a channel loses it: counted here, out of a fixed number.
//!
//!     cargo run --release -p select-first
//!     cargo run --release -p select-first -- --delay-ms 50 --messages 300
//!
//! What to look for: `losers_finished=0`, `set_finished=0`, `try_join_finished=0`, and
//! `lossy_lost` = messages / 3 while `safe_lost=0`.
//! `--trace t.json` draws each nap from its start to its end: the losers' end with the winner's.

mod lockstep;
mod output;
mod report;
mod setup;
mod tally;
mod trace;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::task::{JoinError, JoinSet};
use tokio::time::{Instant, sleep_until};

use report::{DroppedSet, FirstOf, Summary, TryJoin};
use tally::{Tally, nap};

/// select!, JoinSet and try_join!: who finishes, who is dropped, and what a dropped future loses.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The shortest sleep, in ms; the others take two and three times as long.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(20..=10_000))]
    delay_ms: u64,
    /// Messages sent to each cancel-safety loop; a tick follows every third one.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(3..=1_000_000))]
    messages: u32,
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

/// The five parts, in order, all on this one thread, as asyncio runs them.
fn run(args: &Args) -> anyhow::Result<()> {
    let unit = Duration::from_millis(args.delay_ms);
    let trace = setup::trace(args.trace.is_some());
    let part = |name: &str| Tally::new(&trace, name); // one group of the trace per part
    let summary = setup::one_thread()?.block_on(async {
        report::part(1, unit);
        let first = first_of_three(unit, part("1 first of three: select!")).await;
        let first = report::first_of(first);
        report::part(2, unit);
        let order = join_in_completion_order(unit, part("2 completion order: JoinSet")).await;
        let order = report::order(order.context("a task of part 2 panicked")?);
        report::part(3, unit);
        let dropped = drop_a_join_set(unit, part("3 stop waiting: drop the JoinSet")).await;
        let dropped = report::dropped_set(dropped.context("a task of part 3 panicked")?);
        report::part(4, unit);
        let try_join = try_join_stops_at_first_error(unit, part("4 first error: try_join!"));
        let try_join = report::try_join(try_join.await);
        report::part(5, unit);
        let lossy_part = part("5 cancel safety: reads two in a row");
        let lossy = lockstep::cancel_safety(args.messages, lossy_loop, &lossy_part).await;
        let lossy = report::delivered("reads two in a row", "lossy", lossy?);
        let safe_part = part("5 cancel safety: reads one per poll");
        let safe = lockstep::cancel_safety(args.messages, safe_loop, &safe_part).await;
        let safe = report::delivered("reads one per poll", "safe", safe?);
        anyhow::Ok(Summary {
            unit,
            first,
            order,
            dropped,
            try_join,
            lossy,
            safe,
        })
    })?;
    report::ideal(unit);
    if let Some(path) = &args.trace {
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

// ANCHOR: first
/// asyncio.wait(FIRST_COMPLETED), but the losers do not run on: select! drops them before
/// its handler runs, so none is running when we look.
async fn first_of_three(unit: Duration, tally: Tally) -> FirstOf {
    let start = Instant::now();
    let (winner, running_after) = tokio::select! {
        biased; // if the thread wakes late and two are ready, take them as written
        ms = nap(&tally, unit) => (ms, tally.running()),
        ms = nap(&tally, 2 * unit) => (ms, tally.running()),
        ms = nap(&tally, 3 * unit) => (ms, tally.running()),
    };
    let elapsed = start.elapsed();
    tally.mark("select! returns: the losers are already dropped");
    sleep_until(start + unit * 7 / 2).await; // past the slowest one's end
    let losers_finished = tally.finished() - 1;
    FirstOf {
        winner,
        elapsed,
        running_after,
        losers_dropped: tally.dropped(),
        losers_finished,
    }
}
// ANCHOR_END: first

// ANCHOR: joinset
/// asyncio.as_completed: spawned as 3, 1, 2 units, joined as 1, 2, 3.
async fn join_in_completion_order(unit: Duration, tally: Tally) -> Result<Vec<u64>, JoinError> {
    let mut set = JoinSet::new();
    for units in [3, 1, 2] {
        set.spawn(nap(&tally, unit * units));
    }
    let mut order = Vec::new();
    while let Some(done) = set.join_next().await {
        order.push(done?); // Err only if the task panicked
    }
    Ok(order)
}

/// Dropping a JoinSet aborts every task it still holds (a dropped JoinHandle would not).
async fn drop_a_join_set(unit: Duration, tally: Tally) -> Result<DroppedSet, JoinError> {
    let start = Instant::now();
    let mut set = JoinSet::new();
    for units in [1, 2, 3] {
        set.spawn(nap(&tally, unit * units));
    }
    let first = set.join_next().await.transpose()?;
    let held = set.len();
    drop(set); // the two tasks still inside are aborted
    tally.mark("drop(set): the tasks still inside are aborted");
    sleep_until(start + unit * 7 / 2).await; // past the slowest one's end
    let finished_after_drop = tally.finished() - usize::from(first.is_some());
    Ok(DroppedSet {
        held,
        aborted: tally.dropped(),
        finished_after_drop,
    })
}
// ANCHOR_END: joinset

// ANCHOR: try_join
/// The first error ends try_join! and drops the other futures; asyncio.gather would
/// raise it but leave the others running.
async fn try_join_stops_at_first_error(unit: Duration, tally: Tally) -> TryJoin {
    let start = Instant::now();
    let fails = async {
        tokio::time::sleep(unit).await;
        Err::<u64, _>(anyhow::anyhow!("failed after {} ms", unit.as_millis()))
    };
    let two = async { Ok(nap(&tally, 2 * unit).await) };
    let three = async { Ok(nap(&tally, 3 * unit).await) };
    let result = tokio::try_join!(two, fails, three);
    let error_after = start.elapsed();
    tally.mark("try_join! returns the error: the others are dropped");
    sleep_until(start + unit * 7 / 2).await; // past the slowest one's end
    TryJoin {
        result,
        error_after,
        others_dropped: tally.dropped(),
        others_finished: tally.finished(),
    }
}
// ANCHOR_END: try_join

// ANCHOR: lossy
/// Takes two messages in a row. Not cancel safe: once the first is out of the channel it
/// lives only inside this future, and is gone if the future is dropped.
async fn read_two(rx: &mut UnboundedReceiver<u32>) -> (Option<u32>, Option<u32>) {
    let first = rx.recv().await;
    let second = rx.recv().await; // a tick that wins here drops `first` with the future
    (first, second)
}

async fn lossy_loop(
    mut rx: UnboundedReceiver<u32>,
    mut ticks: UnboundedReceiver<()>,
    ack: UnboundedSender<()>,
) -> u32 {
    let mut received = 0;
    loop {
        tokio::select! {
            biased; // the reader is always polled first: it takes the third message, then waits
            pair = read_two(&mut rx) => match pair {
                (Some(_), Some(_)) => received += 2,
                (Some(_), None) => { received += 1; break }
                (None, _) => break,
            },
            Some(()) = ticks.recv() => { let _ = ack.send(()); }
        }
    }
    received
}
// ANCHOR_END: lossy

// ANCHOR: safe
/// The same loop with a cancel-safe branch: `recv()` takes one message per poll, and the
/// half of a pair waits in the loop's own variable, which no lost race can drop.
async fn safe_loop(
    mut rx: UnboundedReceiver<u32>,
    mut ticks: UnboundedReceiver<()>,
    ack: UnboundedSender<()>,
) -> u32 {
    let (mut received, mut half) = (0, None);
    loop {
        tokio::select! {
            biased;
            message = rx.recv() => match message {
                Some(m) => {
                    received += 1;
                    half = if half.is_none() { Some(m) } else { None }; // a whole pair: used
                }
                None => break,
            },
            Some(()) = ticks.recv() => { let _ = ack.send(()); }
        }
    }
    received
}
// ANCHOR_END: safe
