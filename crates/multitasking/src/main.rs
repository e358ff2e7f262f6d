//! Preemptive vs cooperative multitasking. Part one starts more busy threads than there are
//! cores; none of them ever pauses, yet all of them make progress, because the operating
//! system preempts them (time slicing). Part two runs a ticker task on a single-threaded
//! tokio runtime beside a task that spins. Nobody preempts a task there: one that spins
//! without awaiting holds the thread and the ticker falls behind by the length of the spin;
//! one that calls `yield_now().await` between slices of work lets the ticker keep time.
//!
//! Run it:
//!
//!     cargo run --release -p multitasking
//!     cargo run --release -p multitasking -- --threads 8 --spin-ms 300 --tick-ms 50
//!
//! What to look for: in part one every thread's column has work in every window; in part
//! two the worst lateness is about the spin time without yielding and about 1 ms with it.

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;

/// Busy OS threads all progress (the OS preempts them); a tokio task that never awaits
/// starves the others on a single-threaded runtime, one that yields does not.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Busy threads in part one [default: 2 x the cores this process may use].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=512))]
    threads: Option<u32>,
    /// How long each part runs, in milliseconds (part one's sampling, part two's ticker).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(50..=60_000))]
    duration_ms: u64,
    /// Part one: read every thread's progress counter this often, in milliseconds.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(10..=10_000))]
    sample_ms: u64,
    /// Part two: the ticker wants to tick this often, in milliseconds.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(5..=10_000))]
    tick_ms: u64,
    /// Part two: how long the other task spins, in milliseconds (it starts at 1.5 ticks).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    spin_ms: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &Args) -> Result<String, String> {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let threads = args.threads.map_or(2 * cores, |n| n as usize);
    let duration = Duration::from_millis(args.duration_ms);

    let progress = preemptive_threads(
        threads,
        cores,
        duration,
        Duration::from_millis(args.sample_ms),
    )?;

    let tick = Duration::from_millis(args.tick_ms);
    let ticks = (args.duration_ms / args.tick_ms).max(1) as u32;
    let spin = Duration::from_millis(args.spin_ms);
    println!(
        "\nPart 2: cooperative multitasking, one thread (tokio current_thread runtime).\n\
         A ticker task wants to tick every {} ms, {ticks} times. At {} ms a second task starts\n\
         spinning for {} ms: first it never awaits, then it calls yield_now().await after\n\
         every slice of work.\n",
        args.tick_ms,
        (tick * 3 / 2).as_millis(),
        args.spin_ms
    );
    let hogging = ticker_beside_a_spinner(tick, ticks, spin, false)?;
    let yielding = ticker_beside_a_spinner(tick, ticks, spin, true)?;
    print_ticks(tick, &hogging, &yielding);
    let worst_spin = hogging.worst_late_ms();
    let worst_yield = yielding.worst_late_ms();
    println!(
        "\nworst lateness: {worst_spin:.1} ms beside the spinner that never awaits, \
         {worst_yield:.1} ms beside the one that yields."
    );

    // Deliberate waits: part one's sampling period, and the ticker's schedule, twice.
    let ideal = duration.as_secs_f64() + 2.0 * (tick * ticks).as_secs_f64();
    Ok(format!(
        "summary: threads={threads} threads_all_progressed={} worst_late_spin_ms={worst_spin:.1} \
         worst_late_yield_ms={worst_yield:.1} ideal_s={ideal:.3} cores={cores} windows={} \
         windows_all_advanced={} spin_slices={} yield_slices={}",
        progress.all_progressed(),
        progress.windows.len(),
        progress.windows_all_advanced(),
        hogging.slices,
        yielding.slices,
    ))
}

// ---------------------------------------------------------------------------------------
// Part one: preemption

/// Units of work each thread finished in each sampling window.
struct Progress {
    windows: Vec<(f64, Vec<u64>)>,
}

impl Progress {
    fn total(&self, thread: usize) -> u64 {
        self.windows.iter().map(|(_, done)| done[thread]).sum()
    }
    fn all_progressed(&self) -> bool {
        self.windows
            .first()
            .is_some_and(|(_, first)| (0..first.len()).all(|t| self.total(t) > 0))
    }
    fn windows_all_advanced(&self) -> usize {
        self.windows
            .iter()
            .filter(|(_, done)| done.iter().all(|&n| n > 0))
            .count()
    }
}

/// Starts `threads` threads that spin and never sleep, yield or wait, and reads their
/// counters every `sample`. Whoever is not on a core at that moment was preempted by the OS
/// and will be put back on one later: every counter keeps rising.
fn preemptive_threads(
    threads: usize,
    cores: usize,
    duration: Duration,
    sample: Duration,
) -> Result<Progress, String> {
    println!(
        "Part 1: preemptive multitasking. {threads} threads spin on {cores} core(s) for {} ms; none\n\
         of them ever waits. Units of work each one did, per {} ms window:\n",
        duration.as_millis(),
        sample.as_millis()
    );
    let counters: Vec<AtomicU64> = (0..threads).map(|_| AtomicU64::new(0)).collect();
    let stop = AtomicBool::new(false);
    let (progress, preempted) = thread::scope(|scope| {
        let mut handles = Vec::new();
        for (i, counter) in counters.iter().enumerate() {
            let spawned = thread::Builder::new()
                .name(format!("busy-{i}"))
                .spawn_scoped(scope, || spin_until_stopped(counter, &stop));
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(e) => {
                    stop.store(true, Ordering::Relaxed); // let the ones already started end
                    return Err(format!("cannot start thread {i}: {e}; try fewer --threads"));
                }
            }
        }
        let progress = sample_counters(&counters, duration, sample);
        stop.store(true, Ordering::Relaxed);
        let preempted: Vec<Option<u64>> = handles
            .into_iter()
            .map(|h| h.join().ok().flatten())
            .collect();
        Ok((progress, preempted))
    })?;
    print_progress(&progress, &preempted);
    Ok(progress)
}

/// Busy work in units of 10,000 arithmetic steps; the counter says how many units are done.
/// Returns how often the OS took the core away from this thread, where Linux tells.
fn spin_until_stopped(counter: &AtomicU64, stop: &AtomicBool) -> Option<u64> {
    let mut x = 1u64;
    while !stop.load(Ordering::Relaxed) {
        for step in 0..10_000u64 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(step | 1);
        }
        black_box(x);
        counter.fetch_add(1, Ordering::Relaxed);
    }
    involuntary_switches()
}

/// Linux counts, per thread, the times the scheduler preempted it: the OS's own record.
fn involuntary_switches() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/thread-self/status").ok()?;
    let line = status
        .lines()
        .find(|l| l.starts_with("nonvoluntary_ctxt_switches:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn sample_counters(counters: &[AtomicU64], duration: Duration, sample: Duration) -> Progress {
    let start = Instant::now();
    let mut last = vec![0; counters.len()];
    let mut windows = Vec::new();
    let mut due = sample;
    while due <= duration {
        thread::sleep(due.saturating_sub(start.elapsed()));
        let now: Vec<u64> = counters.iter().map(|c| c.load(Ordering::Relaxed)).collect();
        let done = now.iter().zip(&last).map(|(n, l)| n - l).collect();
        windows.push((start.elapsed().as_secs_f64() * 1e3, done));
        last = now;
        due += sample;
    }
    Progress { windows }
}

fn print_progress(progress: &Progress, preempted: &[Option<u64>]) {
    let header: String = (0..preempted.len())
        .map(|t| format!("{:>9}", format!("busy-{t}")))
        .collect();
    println!("{:>8} {header}", "t_ms");
    for (at, done) in &progress.windows {
        let row: String = done.iter().map(|n| format!("{n:>9}")).collect();
        println!("{at:>8.0} {row}");
    }
    let totals: String = (0..preempted.len())
        .map(|t| format!("{:>9}", progress.total(t)))
        .collect();
    println!("{:>8} {totals}", "total");
    let switches: String = preempted
        .iter()
        .map(|p| format!("{:>9}", p.map_or("-".to_string(), |n| n.to_string())))
        .collect();
    println!("{:>8} {switches}", "preempt");
    println!(
        "\n(preempt: times the OS took the core away from the thread, from /proc; '-' where the\n\
         OS does not say.) Windows in which every thread advanced: {} of {}; every thread\n\
         progressed: {}.",
        progress.windows_all_advanced(),
        progress.windows.len(),
        progress.all_progressed()
    );
}

// ---------------------------------------------------------------------------------------
// Part two: cooperation

/// What the ticker saw: for each tick, when it was due and when it really ran.
struct Ticks {
    due_fired_ms: Vec<(f64, f64)>,
    slices: u64,
}

impl Ticks {
    fn worst_late_ms(&self) -> f64 {
        self.due_fired_ms
            .iter()
            .map(|(due, fired)| fired - due)
            .fold(0.0, f64::max)
    }
}

/// A fresh single-threaded runtime with two tasks: the ticker, and a spinner that starts
/// half way between the first and second tick. The runtime only switches tasks when the
/// running one returns from `poll`, that is, at an `.await` that is not ready.
fn ticker_beside_a_spinner(
    tick: Duration,
    ticks: u32,
    spin: Duration,
    yields: bool,
) -> Result<Ticks, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| format!("cannot start a tokio runtime: {e}; check the process limits"))?;
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
        let due_fired_ms = ticker
            .await
            .map_err(|e| format!("the ticker task failed: {e}; this is a bug"))?;
        let slices = spinner
            .await
            .map_err(|e| format!("the spinner task failed: {e}; this is a bug"))?;
        Ok(Ticks {
            due_fired_ms,
            slices,
        })
    })
}

/// Busy work for `spin` of wall time, in slices of 10,000 steps. Without `yields` there is
/// no `.await` in the loop, so this task keeps the only thread until the time is up.
async fn spin_for(spin: Duration, yields: bool) -> u64 {
    let began = Instant::now();
    let (mut x, mut slices) = (1u64, 0u64);
    while began.elapsed() < spin {
        for step in 0..10_000u64 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(step | 1);
        }
        black_box(x);
        slices += 1;
        if yields {
            tokio::task::yield_now().await; // back to the scheduler: the ticker may run
        }
    }
    slices
}

fn print_ticks(tick: Duration, hogging: &Ticks, yielding: &Ticks) {
    println!(
        "{:>4} {:>8}   {:>24}   {:>24}",
        "", "", "spinner never awaits", "spinner yields"
    );
    println!(
        "{:>4} {:>8}   {:>12}{:>12}   {:>12}{:>12}",
        "tick", "due_ms", "ran_ms", "late_ms", "ran_ms", "late_ms"
    );
    for (k, ((due, hog), (_, yld))) in hogging
        .due_fired_ms
        .iter()
        .zip(&yielding.due_fired_ms)
        .enumerate()
    {
        println!(
            "{:>4} {due:>8.0}   {hog:>12.1}{:>12.1}   {yld:>12.1}{:>12.1}",
            k + 1,
            hog - due,
            yld - due
        );
    }
    println!(
        "\nThe spinner did {} slices of work without awaiting, {} slices yielding after each\n\
         (ticks every {} ms).",
        hogging.slices,
        yielding.slices,
        tick.as_millis()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_that_advanced_only_once_still_progressed() {
        let progress = Progress {
            windows: vec![(100.0, vec![5, 0]), (200.0, vec![3, 1])],
        };
        assert!(progress.all_progressed());
        assert_eq!(progress.windows_all_advanced(), 1);
        assert_eq!(progress.total(1), 1);
    }

    #[test]
    fn a_thread_that_never_ran_did_not_progress() {
        let progress = Progress {
            windows: vec![(100.0, vec![5, 0]), (200.0, vec![3, 0])],
        };
        assert!(!progress.all_progressed());
        assert_eq!(progress.windows_all_advanced(), 0);
    }

    #[test]
    fn worst_lateness_is_the_largest_gap_between_due_and_ran() {
        let ticks = Ticks {
            due_fired_ms: vec![(100.0, 101.0), (200.0, 650.0), (300.0, 650.5)],
            slices: 0,
        };
        assert_eq!(ticks.worst_late_ms(), 450.0);
    }
}
