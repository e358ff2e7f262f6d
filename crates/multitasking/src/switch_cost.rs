//! Part three: what a switch costs. Two tasks on one thread hand a token back and forth,
//! then two OS threads do the same; each game is timed in rounds, and the fastest round
//! gives the cost of one hand-off.

use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::Notify;

use crate::report;

// ANCHOR: handoff
/// Two tasks on ONE thread pass a token back and forth: each wakes the other, then awaits
/// its own turn. Every hand-off is a cooperative switch: the awaiting task returns
/// `Pending` and the runtime polls the other one, all within this thread.
pub fn tasks_hand_off(round_trips: u32) -> anyhow::Result<Duration> {
    let runtime = report::one_thread_runtime()?;
    let (ping, pong) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let start = Instant::now();
    runtime.block_on(async {
        let (ping2, pong2) = (Arc::clone(&ping), Arc::clone(&pong));
        let a = tokio::spawn(async move {
            for _ in 0..round_trips {
                pong.notify_one(); // the token goes to b
                ping.notified().await; // not a's turn: the runtime switches to b
            }
        });
        let b = tokio::spawn(async move {
            for _ in 0..round_trips {
                pong2.notified().await;
                ping2.notify_one(); // and back to a
            }
        });
        a.await
            .and(b.await)
            .context("a player task failed; this is a bug, please report it")
    })?;
    Ok(start.elapsed())
}

/// The same game between two OS threads: each sleeps in the kernel until the other says
/// it is its turn. Every hand-off is a wake-up by the OS scheduler, and a context switch
/// when the two share a core. (The clock includes starting the second thread: about 1% of
/// a round of 1,000 round trips.)
pub fn threads_hand_off(round_trips: u32) -> anyhow::Result<Duration> {
    let (turn, changed) = (Mutex::new(0u64), Condvar::new());
    let player = |me: u64| {
        let mut t = turn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for _ in 0..round_trips {
            while *t % 2 != me {
                t = changed.wait(t).unwrap_or_else(|p| p.into_inner()); // asleep in the kernel
            }
            *t += 1; // the token goes to the other thread
            changed.notify_one();
        }
    };
    let start = Instant::now();
    thread::scope(|scope| {
        let other = thread::Builder::new().spawn_scoped(scope, || player(1));
        other.context(
            "cannot start the second player's thread; raise the thread limit (ulimit -u)",
        )?;
        player(0);
        anyhow::Ok(())
    })?;
    Ok(start.elapsed())
}
// ANCHOR_END: handoff

/// Round trips in one timed round: short enough (a fraction of a millisecond for the
/// tasks) that most rounds run without another process taking the core.
const ROUND: u32 = 1_000;

/// Plays `round_trips` round trips of a game, in rounds of at most 1,000 (three rounds at
/// least), and returns what one hand-off cost in the fastest round, in nanoseconds: a
/// preemption by another process counts against neither kind of switch.
pub fn fastest_handoff_ns(
    round_trips: u32,
    game: impl Fn(u32) -> anyhow::Result<Duration>,
) -> anyhow::Result<f64> {
    let per_round = round_trips.min(ROUND);
    let rounds = round_trips.div_ceil(per_round).max(3);
    (0..rounds).try_fold(f64::INFINITY, |best, _| {
        let round = game(per_round)?;
        Ok(best.min(round.as_secs_f64() * 1e9 / (2.0 * f64::from(per_round))))
    })
}
