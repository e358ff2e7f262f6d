//! The notes' joblib line, `Parallel(n_jobs=30)(delayed(func)(a, b) for b in range(100)
//! if b % 5 > 2)`, in Rust: a rayon pool of `n_jobs` threads and
//! `par_iter().filter().map().collect()`. Each item is a few milliseconds of real CPU
//! work. The demo shows that the results come back in input order although the items
//! finish in another order, which pool threads ran which items, and the time against a
//! plain sequential map; then the same map with tiny items, where handing work to the
//! pool costs more than the work. `--n-jobs -1` means every core, as in joblib.
//!
//!     cargo run --release -p parallel-map
//!     cargo run --release -p parallel-map -- --n-jobs -1 --item-ms 50
//!
//! What to look for: with real work the pool's speedup (the sequential map's CPU time over
//! the pool's wall time) is about `cores`, never more (more threads than cores only take
//! turns); with tiny items it is many times slower, as joblib is when each call is tiny.
//! `--trace t.json` writes the run for Perfetto or vizviewer: a lane per pool thread, a
//! slice per call, side by side.

mod lanes;
mod limits;
mod machine;
mod output;
mod report;
mod trace;

use std::hint::black_box;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, anyhow};
use clap::Parser;
use rayon::prelude::*;

use report::{Item, Summary};
use trace::Trace;

/// joblib's Parallel(n_jobs)(delayed(func)(a, b) ...) as a rayon pool.
#[derive(Parser, Debug)]
#[command(version, about, after_help = report::SPEEDUP_HELP)]
struct Args {
    /// Threads in the pool, as joblib's n_jobs (the notes use 30). Negative counts back
    /// from the cores, as in joblib: -1 is every core, -2 all but one, and so on (at
    /// least 1). 0 is an error, as in joblib.
    #[arg(long, default_value_t = 30, allow_negative_numbers = true,
          value_parser = report::parse_n_jobs)]
    n_jobs: i32,
    /// CPU work per item, in milliseconds (measured on this machine at start-up).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    item_ms: u64,
    /// How many times the tiny-item maps run, so their time rises above the clock's grain.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    tiny_reps: u32,
    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

/// The fixed first argument, `a` in `delayed(func)(a, b)`.
const A: u64 = 7;

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = Args::parse();
    match run(&args) {
        Ok(summary) => println!("{summary}"),
        Err(error) => {
            eprintln!("error: {error:#}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn run(args: &Args) -> anyhow::Result<Summary> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let n_jobs = report::threads_for(args.n_jobs, cores);
    // Before any thread starts: a pool too big for `ulimit -v` is one line, not an abort.
    limits::check_pool(n_jobs)?;
    let rounds = report::rounds_per_ms(|r| func(A, 0, r)) * args.item_ms;
    report::header(args.n_jobs, n_jobs, cores, args.item_ms, rounds);

    // Building the pool is part of joblib's cost too, so it is inside the timing.
    let real_work = |b| func(A, b, rounds);
    let (sequential, parallel, times) = report::take_turns(
        || sequential_map(real_work),
        || Ok(parallel_map(&build_pool(n_jobs)?, real_work)),
    )?;
    // The trace's clock starts with the first recorded call: the last round of each map.
    let first = (sequential.iter().chain(&parallel))
        .map(|item| item.ran.0)
        .min();
    let trace = match (&args.trace, first) {
        (Some(_), Some(first)) => Trace::new(first),
        _ => Trace::off(),
    };
    lanes::record(&trace, n_jobs, &sequential, &parallel);
    let threads_used = report::show_who_ran_what(&parallel);
    let pool = build_pool(n_jobs)?;
    let pool_threads = pool_threads_alive(&pool);
    let tiny = tiny_items_overhead_wins(&pool, args.tiny_reps);
    report::print_times(n_jobs, args.tiny_reps, &times, &tiny);
    lanes::write(&trace, args.trace.as_deref())?;
    let checks = [
        parallel.windows(2).all(|w| w[0].b < w[1].b),
        report::same_results(&sequential, &parallel) && tiny.2,
    ];
    Ok(Summary::new(
        n_jobs,
        cores,
        parallel.len(),
        times,
        tiny,
        threads_used,
        pool_threads,
        checks,
    ))
}

/// The filter of the joblib line: which inputs become items.
fn keep(b: &u64) -> bool {
    b % 5 > 2
}

// ANCHOR: func
/// `func(a, b)`: a chain of hashes, each round depending on the one before, so it can be
/// neither vectorised nor folded away; `rounds` sets how long it takes. One compiled copy
/// (`inline(never)`, inputs through `black_box`) serves both maps, so the sequential and
/// the parallel map run the same machine code.
#[inline(never)]
fn func(a: u64, b: u64, rounds: u64) -> u64 {
    let mut x = (black_box(a) << 32) | black_box(b);
    for _ in 0..black_box(rounds) {
        x = mix(x);
    }
    x
}
// ANCHOR_END: func

/// SplitMix64's finaliser: a cheap hash whose output looks random.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The plain loop a Python programmer would write first.
fn sequential_map(f: impl Fn(u64) -> u64) -> Vec<Item> {
    (0..100)
        .filter(keep)
        .enumerate()
        .map(|(finished, b)| {
            let from = Instant::now();
            let result = f(b);
            let thread = rayon::current_thread_index();
            let ran = (from, Instant::now());
            Item {
                b,
                result,
                thread,
                finished,
                ran,
            }
        })
        .collect()
}

fn build_pool(n_jobs: usize) -> anyhow::Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n_jobs)
        .stack_size(limits::STACK) // what limits::check_pool counts
        .build()
        // rayon's error repeats its cause as its source: say it once.
        .map_err(|e| anyhow!("{e}"))
        .with_context(|| {
            format!(
                "cannot start a pool of {n_jobs} threads; try a smaller --n-jobs, or raise \
                 the limits on memory (ulimit -v) and threads (ulimit -u)"
            )
        })
}

// ANCHOR: parallel
/// The joblib line. `collect` puts every result at its input's place, whichever thread
/// computed it and whenever it finished: that is why the order is kept.
fn parallel_map(pool: &rayon::ThreadPool, f: impl Fn(u64) -> u64 + Sync) -> Vec<Item> {
    let finished = AtomicUsize::new(0);
    pool.install(|| {
        (0..100u64)
            .into_par_iter()
            .filter(keep) //                          the `if` of the generator
            .map(|b| {
                let from = Instant::now();
                let result = f(b); //                 delayed(func)(a, b), on a pool thread
                let thread = rayon::current_thread_index();
                let ran = (from, Instant::now()); //  when, for --trace
                let finished = finished.fetch_add(1, Ordering::SeqCst);
                Item {
                    b,
                    result,
                    thread,
                    finished,
                    ran,
                }
            })
            .collect() //                             in input order, whoever ran each item
    })
}
// ANCHOR_END: parallel

/// Asks every thread of the pool for its index: proof that all n_jobs threads exist.
fn pool_threads_alive(pool: &rayon::ThreadPool) -> usize {
    let mut indexes = pool.broadcast(|context| context.index());
    indexes.sort_unstable();
    indexes.dedup();
    indexes.len()
}

/// The same map with items that take nanoseconds: now handing each batch to the pool
/// (waking threads, splitting, joining) costs far more than the work itself.
fn tiny_items_overhead_wins(pool: &rayon::ThreadPool, reps: u32) -> (f64, f64, bool) {
    let tiny = |b: u64| black_box(A) * b + 1;
    let (mut sequential, mut parallel) = (Vec::new(), Vec::new());
    let sequential_s = report::seconds(|| {
        for _ in 0..reps {
            sequential = black_box(sequential_map(tiny));
        }
    });
    let parallel_s = report::seconds(|| {
        for _ in 0..reps {
            parallel = black_box(parallel_map(pool, tiny));
        }
    });
    let equal = report::same_results(&sequential, &parallel);
    (sequential_s, parallel_s, equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_keeps_forty_of_a_hundred() {
        let kept: Vec<u64> = (0..100).filter(keep).collect();
        assert_eq!(kept.len(), 40);
        assert_eq!(&kept[..6], &[3, 4, 8, 9, 13, 14]);
        assert!(kept.iter().all(|b| b % 5 == 3 || b % 5 == 4));
    }

    #[test]
    fn func_depends_on_both_arguments_and_on_the_rounds() {
        assert_ne!(func(A, 3, 100), func(A, 4, 100));
        assert_ne!(func(A, 3, 100), func(A + 1, 3, 100));
        assert_ne!(func(A, 3, 100), func(A, 3, 101));
        assert_eq!(func(A, 3, 0), (A << 32) | 3);
    }

    #[test]
    fn the_pool_keeps_the_order_and_the_results() {
        let pool = build_pool(4).unwrap();
        let sequential = sequential_map(|b| func(A, b, 1000));
        let parallel = parallel_map(&pool, |b| func(A, b, 1000));
        assert!(report::same_results(&sequential, &parallel));
        assert!(
            parallel
                .iter()
                .all(|item| item.thread.is_some_and(|t| t < 4))
        );
        assert_eq!(pool_threads_alive(&pool), 4);
    }
}
