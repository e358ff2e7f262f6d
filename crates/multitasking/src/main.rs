//! Preemptive vs cooperative multitasking. Part one starts more busy threads than there are
//! cores; none of them ever pauses, yet all of them progress: the operating system preempts
//! them. Part two runs a ticker task on a single-threaded tokio runtime beside a task that
//! spins. Nobody preempts a task: one that never awaits holds the thread and the ticker falls
//! behind by the length of the spin; one that calls `yield_now().await` between slices lets
//! it keep time. Part three prices both kinds of switch: two tasks on one thread hand a
//! token back and forth, then two OS threads do the same.
//!
//!     cargo run --release -p multitasking [-- --threads 8 --spin-ms 300 --tick-ms 50]
//!     cargo run -p multitasking --example cooperative_ticker   (part two, alone)
//!
//! Look for: every thread's column has work in every window; the ticker is late by about
//! the spin without yielding, about 1 ms with it; a task switch costs tens of nanoseconds,
//! a thread hand-off microseconds.

mod report;

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::sync::Notify;

use report::{Failure, Progress, Summary, Ticks};

/// Busy OS threads all progress (the OS preempts them); a tokio task that never awaits
/// starves the others on a single-threaded runtime, one that yields does not.
#[derive(Parser, Debug)]
#[command(version, about)]
pub struct Args {
    /// Busy threads in part one [default: 2 x the cores this process may use].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=512))]
    threads: Option<u32>,
    /// How long each part runs, in milliseconds (part one's sampling, part two's ticker).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(50..=60_000))]
    duration_ms: u64,
    /// Part one: read every thread's progress counter this often, in ms (<= --duration-ms).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(10..=10_000))]
    sample_ms: u64,
    /// Part two: the ticker wants to tick this often, in milliseconds (at most half of
    /// --duration-ms: the spinner starts after the first tick, a second must follow).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(5..=10_000))]
    tick_ms: u64,
    /// Part two: how long the other task spins, in milliseconds (it starts at 1.5 ticks,
    /// and must last past the second tick: more than half of --tick-ms).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    spin_ms: u64,
    /// Part three: round trips of the token in each game, timed in rounds of up to 1,000.
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u32).range(50..=5_000_000))]
    round_trips: u32,
}

fn main() -> ExitCode {
    report::end_quietly_on_closed_pipe();
    let args = Args::parse();
    report::reject_what_cannot_show_the_idea(&args);
    report::finish(run(&args))
}

fn run(args: &Args) -> Result<Summary, Failure> {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let threads = args.threads.map_or(2 * cores, |n| n as usize);
    let duration = Duration::from_millis(args.duration_ms);
    report::part_one(threads, cores, args.duration_ms, args.sample_ms);
    let sample = Duration::from_millis(args.sample_ms);
    let progress = preemptive_threads(threads, duration, sample)?;
    progress.print();

    let tick = Duration::from_millis(args.tick_ms);
    let spin = Duration::from_millis(args.spin_ms);
    let ticks = (args.duration_ms / args.tick_ms) as u32;
    report::part_two(tick, ticks, spin);
    let hogging = ticker_beside_a_spinner(tick, ticks, spin, false)?;
    let yielding = ticker_beside_a_spinner(tick, ticks, spin, true)?;
    report::print_ticks(tick, &hogging, &yielding);

    report::part_three(args.round_trips, cores);
    let summary = Summary {
        task_switch_ns: report::fastest_handoff_ns(args.round_trips, tasks_hand_off)?,
        thread_handoff_ns: report::fastest_handoff_ns(args.round_trips, threads_hand_off)?,
        threads,
        cores,
        progress,
        hogging,
        yielding,
        ideal: duration + 2 * tick * ticks,
        round_trips: args.round_trips,
    };
    summary.print_switch_costs();
    Ok(summary)
}

// ---------------------------------------------------------------------------------------
// Part one: preemption

/// Starts `threads` threads that spin and never sleep, yield or wait, and reads their
/// counters every `sample`. Whoever is not on a core at that moment was preempted by the OS
/// and will be put back on one later: every counter keeps rising.
fn preemptive_threads(
    threads: usize,
    duration: Duration,
    sample: Duration,
) -> Result<Progress, Failure> {
    let counters: Vec<AtomicU64> = (0..threads).map(|_| AtomicU64::new(0)).collect();
    let stop = AtomicBool::new(false);
    thread::scope(|scope| {
        let mut handles = Vec::new();
        for (i, counter) in counters.iter().enumerate() {
            let spawned = thread::Builder::new()
                .name(format!("busy-{i}"))
                .spawn_scoped(scope, || spin_until_stopped(counter, &stop));
            handles.push(spawned.map_err(|e| {
                stop.store(true, Ordering::Relaxed); // let the ones already started end
                Failure::Thread(i, e)
            })?);
        }
        let mut progress = Progress::sample(&counters, duration, sample);
        stop.store(true, Ordering::Relaxed);
        progress.preempted = handles
            .into_iter()
            .map(|h| h.join().ok().flatten())
            .collect();
        Ok(progress)
    })
}

/// Busy work in units of 10,000 arithmetic steps; the counter says how many units are done.
/// Returns how often the OS took the core away from this thread, where Linux tells.
fn spin_until_stopped(counter: &AtomicU64, stop: &AtomicBool) -> Option<u64> {
    while !stop.load(Ordering::Relaxed) {
        report::work_a_little();
        counter.fetch_add(1, Ordering::Relaxed);
    }
    report::involuntary_switches()
}

// ---------------------------------------------------------------------------------------
// Part two: cooperation

/// A fresh single-threaded runtime with two tasks: the ticker, and a spinner that starts
/// half way between the first and second tick. The runtime only switches tasks when the
/// running one returns from `poll`, that is, at an `.await` that is not ready.
fn ticker_beside_a_spinner(
    tick: Duration,
    ticks: u32,
    spin: Duration,
    yields: bool,
) -> Result<Ticks, Failure> {
    let runtime = report::one_thread_runtime()?;
    runtime.block_on(async {
        let start = tokio::time::Instant::now();
        let ticker = tokio::spawn(async move {
            let mut due_fired_ms = Vec::new();
            for k in 1..=ticks {
                let due = start + tick * k;
                tokio::time::sleep_until(due).await;
                let ms = |t: tokio::time::Instant| (t - start).as_secs_f64() * 1e3;
                due_fired_ms.push((ms(due), ms(tokio::time::Instant::now())));
            }
            due_fired_ms
        });
        let spinner = tokio::spawn(async move {
            tokio::time::sleep(tick * 3 / 2).await;
            spin_for(spin, yields).await
        });
        let due_fired_ms = ticker.await.map_err(Failure::Task)?;
        let slices = spinner.await.map_err(Failure::Task)?;
        Ok(Ticks {
            due_fired_ms,
            slices,
        })
    })
}

// ANCHOR: spin
/// Busy work for `spin` of wall time, in slices. Without `yields` there is no `.await` in
/// the loop, so this task keeps the only thread until the time is up.
async fn spin_for(spin: Duration, yields: bool) -> u64 {
    let (began, mut slices) = (Instant::now(), 0);
    while began.elapsed() < spin {
        report::work_a_little();
        slices += 1;
        if yields {
            tokio::task::yield_now().await; // back to the scheduler: the ticker may run
        }
    }
    slices
}
// ANCHOR_END: spin

// ---------------------------------------------------------------------------------------
// Part three: what a switch costs

// ANCHOR: handoff
/// Two tasks on ONE thread pass a token back and forth: each wakes the other, then awaits
/// its own turn. Every hand-off is a cooperative switch: the awaiting task returns
/// `Pending` and the runtime polls the other one, all within this thread.
fn tasks_hand_off(round_trips: u32) -> Result<Duration, Failure> {
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
        a.await.and(b.await).map_err(Failure::Task)
    })?;
    Ok(start.elapsed())
}

/// The same game between two OS threads: each sleeps in the kernel until the other says
/// it is its turn. Every hand-off is a wake-up by the OS scheduler, and a context switch
/// when the two share a core. (The clock includes starting the second thread: about 1% of
/// a round of 1,000 round trips.)
fn threads_hand_off(round_trips: u32) -> Result<Duration, Failure> {
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
        other.map_err(|e| Failure::Thread(1, e))?;
        player(0);
        Ok(())
    })?;
    Ok(start.elapsed())
}
// ANCHOR_END: handoff
