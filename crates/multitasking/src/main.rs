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
//! a thread hand-off microseconds. `--trace t.json` writes parts one and two for Perfetto or
//! vizviewer: each thread's turns on a core, the ticker's waits and the spinner's turns.

mod args;
mod limits;
mod output;
mod report;
mod switch_cost;
mod trace;
mod turns;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

use args::Plan;
use report::{Progress, Summary, SwitchCosts, Ticks};
use switch_cost::{fastest_handoff_ns, tasks_hand_off, threads_hand_off};
use trace::Trace;
use turns::Turns;

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
    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = Args::parse();
    let plan = Plan::new(&args);
    let trace = match args.trace {
        Some(_) => Trace::new(std::time::Instant::now()),
        None => Trace::off(),
    };
    // A failure at run time is one line that says what to do: `error: context: cause`.
    if let Err(error) = run(&plan, &trace, args.trace.as_deref()) {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The three parts, in order: each prints its table, and the summary line closes the run.
fn run(plan: &Plan, trace: &Trace, path: Option<&std::path::Path>) -> anyhow::Result<()> {
    limits::check_room_for_threads(plan.threads, "--threads")?;
    let unit = report::time_a_unit();
    report::part_one(plan, unit);
    let progress = preemptive_threads(plan, trace)?;
    progress.print();

    report::part_two(plan);
    let hogging = ticker_beside_a_spinner(plan, false, trace)?;
    let yielding = ticker_beside_a_spinner(plan, true, trace)?;
    report::print_ticks(plan.tick, &hogging, &yielding);

    report::part_three(plan);
    let costs = SwitchCosts {
        task_switch_ns: fastest_handoff_ns(plan.round_trips, tasks_hand_off)?,
        thread_handoff_ns: fastest_handoff_ns(plan.round_trips, threads_hand_off)?,
    };
    costs.print();
    report::print_ideal(plan);
    if let Some(path) = path {
        trace.note("part 3 (what a switch costs) is not drawn: its hand-offs take nanoseconds");
        trace.write(path).with_context(|| {
            format!(
                "cannot write the trace to {}; check that its folder exists",
                path.display()
            )
        })?;
        println!(
            "trace written to {} (open it in ui.perfetto.dev or vizviewer)",
            path.display()
        );
    }
    let summary = Summary::new(*plan, progress, hogging, yielding, costs).unit(unit);
    println!("{summary}");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Part one: preemption

/// Starts `plan.threads` threads that spin and never sleep, yield or wait, and reads their
/// counters every `plan.sample`. Whoever is not on a core at that moment was preempted by
/// the OS and will be put back on one later: every counter keeps rising.
fn preemptive_threads(plan: &Plan, trace: &Trace) -> anyhow::Result<Progress> {
    let counters: Vec<AtomicU64> = (0..plan.threads).map(|_| AtomicU64::new(0)).collect();
    let stop = AtomicBool::new(false);
    thread::scope(|scope| {
        let mut handles = Vec::new();
        for (i, counter) in counters.iter().enumerate() {
            let spawned = thread::Builder::new()
                .name(format!("busy-{i}"))
                .stack_size(limits::STACK_BYTES)
                .spawn_scoped(scope, || spin_until_stopped(counter, &stop, trace.is_on()));
            let handle = spawned
                .inspect_err(|_| stop.store(true, Ordering::Relaxed)) // the ones started end
                .with_context(|| {
                    format!(
                        "cannot start thread busy-{i} ({i} started); lower --threads or raise {}",
                        limits::limits_to_raise()
                    )
                })?;
            handles.push(handle);
        }
        let mut progress = Progress::sample(&counters, plan.duration, plan.sample);
        stop.store(true, Ordering::Relaxed);
        let mut turns = Vec::new();
        for handle in handles {
            let (preempted, on_core) = handle.join().unwrap_or_default();
            progress.preempted.push(preempted);
            turns.push(on_core);
        }
        turns::record_threads(trace, plan.cores, &turns);
        Ok(progress)
    })
}

/// Busy work in units of 10,000 arithmetic steps; the counter says how many units are done.
/// Returns how often the OS took the core away from this thread, where Linux tells, and
/// (for `--trace`) its turns on a core.
fn spin_until_stopped(
    counter: &AtomicU64,
    stop: &AtomicBool,
    traced: bool,
) -> (Option<u64>, Turns) {
    let mut turns = Turns::new(traced);
    while !stop.load(Ordering::Relaxed) {
        report::work_a_little();
        counter.fetch_add(1, Ordering::Relaxed);
        turns.unit_done();
    }
    (report::involuntary_switches(), turns.finish())
}

// ---------------------------------------------------------------------------------------
// Part two: cooperation

/// A fresh single-threaded runtime with two tasks: the ticker, and a spinner that starts
/// half way between the first and second tick. The runtime only switches tasks when the
/// running one returns from `poll`, that is, at an `.await` that is not ready.
fn ticker_beside_a_spinner(plan: &Plan, yields: bool, trace: &Trace) -> anyhow::Result<Ticks> {
    let (tick, ticks, spin) = (plan.tick, plan.ticks, plan.spin);
    let runtime = report::one_thread_runtime()?;
    let turns = Turns::new(trace.is_on());
    let ticks = runtime.block_on(async {
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
            spin_for(spin, yields, turns).await
        });
        let bug = "a task failed; this is a bug, please report it";
        let due_fired_ms = ticker.await.context(bug)?;
        let (slices, turns) = spinner.await.context(bug)?;
        let start = start.into_std();
        anyhow::Ok((
            Ticks {
                start,
                due_fired_ms,
                slices,
            },
            turns,
        ))
    });
    let (ticks, turns) = ticks?;
    let title = if yields {
        "part 2: the spinner yields after each slice"
    } else {
        "part 2: the spinner never awaits"
    };
    turns::record_ticker(trace, title, tick.as_millis(), &ticks, &turns);
    Ok(ticks)
}

// ANCHOR: spin
/// Busy work for `spin` of wall time, in slices. Without `yields` there is no `.await` in
/// the loop, so this task keeps the only thread until the time is up. `turns` notes each
/// turn this task has on the thread, for `--trace`.
async fn spin_for(spin: Duration, yields: bool, mut turns: Turns) -> (u64, Turns) {
    let (began, mut slices) = (Instant::now(), 0);
    turns.begin();
    while began.elapsed() < spin {
        report::work_a_little();
        slices += 1;
        if yields {
            turns.end();
            tokio::task::yield_now().await; // back to the scheduler: the ticker may run
            turns.begin();
        }
    }
    turns.end();
    (slices, turns)
}
// ANCHOR_END: spin

// ---------------------------------------------------------------------------------------
// Part three: what a switch costs. Its two games are in switch_cost.rs.
