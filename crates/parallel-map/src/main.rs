//! The notes' joblib line, `Parallel(n_jobs=30)(delayed(func)(a, b) for b in range(100)
//! if b % 5 > 2)`, in Rust: a rayon pool of `n_jobs` threads
//! (`ThreadPoolBuilder::new().num_threads(n_jobs)`) and `par_iter().filter().map().collect()`.
//! Each item is a few milliseconds of real CPU work. The program shows that the results
//! come back in input order although the items finish in another order, which pool
//! threads ran which items, and the time against a plain sequential map; then the same
//! map with tiny items, where the cost of handing work to the pool is larger than the work.
//!
//! Run it:
//!
//!     cargo run --release -p parallel-map
//!     cargo run --release -p parallel-map -- --n-jobs 4 --item-ms 50
//!
//! What to look for: with real work the pool is about `cores` times faster than the
//! sequential map (more threads than cores cannot add more); with tiny items it is
//! hundreds of times slower, as joblib is when each call is too small to be worth a worker.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use rayon::prelude::*;

/// joblib's Parallel(n_jobs)(delayed(func)(a, b) ...) as a rayon pool.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Threads in the pool, as joblib's n_jobs (the notes use 30).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=1024))]
    n_jobs: u32,
    /// CPU work per item, in milliseconds (measured on this machine at start-up).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    item_ms: u64,
    /// How many times the tiny-item maps run, so their time rises above the clock's grain.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    tiny_reps: u32,
}

/// The fixed first argument, `a` in `delayed(func)(a, b)`.
const A: u64 = 7;

/// One item's outcome, with who computed it and when it finished.
#[derive(Clone, Copy, Debug)]
struct Item {
    b: u64,
    result: u64,
    /// rayon's index of the pool thread that ran it (None: not on a pool thread).
    thread: Option<usize>,
    /// 0 for the first item to finish, 1 for the next, ...
    finished: usize,
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
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let n_jobs = args.n_jobs as usize;
    let iterations = iterations_per_ms() * args.item_ms;
    println!(
        "parallel-map: Parallel(n_jobs={n_jobs})(delayed(func)({A}, b) for b in range(100) \
         if b % 5 > 2) on {cores} cores"
    );
    println!(
        "  each item: about {} ms of CPU work ({iterations} rounds of a hash)\n",
        args.item_ms
    );

    let start = Instant::now();
    let sequential = sequential_map(|b| func(A, b, iterations));
    let sequential_s = start.elapsed().as_secs_f64();

    // Building the pool is part of joblib's cost too, so it is inside the timing.
    let start = Instant::now();
    let pool = build_pool(n_jobs)?;
    let parallel = parallel_map(&pool, |b| func(A, b, iterations));
    let parallel_s = start.elapsed().as_secs_f64();

    let order_kept = parallel.windows(2).all(|w| w[0].b < w[1].b);
    let results_equal = same_results(&sequential, &parallel);
    let threads_used = show_who_ran_what(&parallel);
    let pool_threads = pool_threads_alive(&pool);

    let (tiny_sequential_s, tiny_parallel_s, tiny_equal) =
        tiny_items_overhead_wins(&pool, args.tiny_reps);
    print_times(
        n_jobs,
        args.tiny_reps,
        [sequential_s, parallel_s, tiny_sequential_s, tiny_parallel_s],
    );

    Ok(format!(
        "summary: n_jobs={n_jobs} items={} cores={cores} sequential_s={sequential_s:.3} \
         parallel_s={parallel_s:.3} speedup={:.2} tiny_sequential_s={tiny_sequential_s:.3} \
         tiny_parallel_s={tiny_parallel_s:.3} tiny_speedup={:.4} threads_used={threads_used} \
         pool_threads={pool_threads} order_kept={order_kept} results_equal={} ideal_s=0.000",
        parallel.len(),
        sequential_s / parallel_s.max(1e-9),
        tiny_sequential_s / tiny_parallel_s.max(1e-9),
        results_equal && tiny_equal,
    ))
}

/// The filter of the joblib line: which inputs become items.
fn keep(b: &u64) -> bool {
    b % 5 > 2
}

/// `func(a, b)`: a chain of hashes, each round depending on the one before, so it can be
/// neither vectorised nor folded away; `rounds` sets how long it takes.
fn func(a: u64, b: u64, rounds: u64) -> u64 {
    let mut x = (a << 32) | b;
    for _ in 0..black_box(rounds) {
        x = mix(x);
    }
    x
}

/// SplitMix64's finaliser: a cheap hash whose output looks random.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// How many rounds of `func` this machine does in a millisecond, measured for ~20 ms.
fn iterations_per_ms() -> u64 {
    let mut rounds = 1_000;
    loop {
        let start = Instant::now();
        black_box(func(A, 0, rounds));
        let took = start.elapsed();
        if took >= Duration::from_millis(20) {
            return (rounds as f64 / took.as_secs_f64() / 1e3).max(1.0) as u64;
        }
        rounds *= 2;
    }
}

/// The plain loop a Python programmer would write first.
fn sequential_map(f: impl Fn(u64) -> u64) -> Vec<Item> {
    (0..100)
        .filter(keep)
        .enumerate()
        .map(|(finished, b)| Item {
            b,
            result: f(b),
            thread: rayon::current_thread_index(),
            finished,
        })
        .collect()
}

fn build_pool(n_jobs: usize) -> Result<rayon::ThreadPool, String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n_jobs)
        .thread_name(|i| format!("pool-{i}"))
        .build()
        .map_err(|e| {
            format!("could not start a pool of {n_jobs} threads: {e}; try a smaller --n-jobs")
        })
}

/// The joblib line. `collect` puts every result at its input's place, whichever thread
/// computed it and whenever it finished: that is why the order is kept.
fn parallel_map(pool: &rayon::ThreadPool, f: impl Fn(u64) -> u64 + Sync) -> Vec<Item> {
    let finished = AtomicUsize::new(0);
    pool.install(|| {
        (0..100u64)
            .into_par_iter()
            .filter(keep)
            .map(|b| {
                let result = f(b);
                Item {
                    b,
                    result,
                    thread: rayon::current_thread_index(),
                    finished: finished.fetch_add(1, Ordering::SeqCst),
                }
            })
            .collect()
    })
}

fn same_results(a: &[Item], b: &[Item]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.b == y.b && x.result == y.result)
}

/// Prints the order the items finished in against the order the results came back in,
/// and which pool thread ran which items; returns how many threads ran at least one.
fn show_who_ran_what(items: &[Item]) -> usize {
    // The first 20 are enough to see the pattern on one line.
    let list = |bs: Vec<u64>| {
        let mut text: Vec<String> = bs.iter().take(20).map(u64::to_string).collect();
        if bs.len() > 20 {
            text.push("...".to_string());
        }
        text.join(" ")
    };
    let mut by_finish = items.to_vec();
    by_finish.sort_by_key(|item| item.finished);
    println!(
        "  items came back as  b = {}",
        list(items.iter().map(|i| i.b).collect())
    );
    println!(
        "  but finished as     b = {}",
        list(by_finish.iter().map(|i| i.b).collect())
    );

    let mut by_thread: BTreeMap<Option<usize>, Vec<u64>> = BTreeMap::new();
    for item in items {
        by_thread.entry(item.thread).or_default().push(item.b);
    }
    let in_order = items.windows(2).all(|w| w[0].b < w[1].b);
    println!(
        "  all {} results in input order: {}",
        items.len(),
        if in_order { "yes" } else { "NO" }
    );
    // "thread: items" entries, as many to a line as fit in 80 columns.
    println!("\n  which pool thread ran which items (b):");
    let mut line = String::from(" ");
    for (thread, bs) in &by_thread {
        let name = thread.map_or("caller".to_string(), |t| format!("pool-{t}"));
        let bs: Vec<String> = bs.iter().map(u64::to_string).collect();
        let entry = format!(" {name}: {}", bs.join(" "));
        if line.len() + entry.len() > 80 {
            println!("{}", line.trim_end_matches(" |"));
            line = String::from(" ");
        }
        line.push_str(&entry);
        line.push_str(" |");
    }
    println!("{}", line.trim_end_matches(" |"));
    println!(
        "  {} items ran on {} of the pool's threads\n",
        items.len(),
        by_thread.len()
    );
    by_thread.len()
}

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
    let start = Instant::now();
    let mut sequential = Vec::new();
    for _ in 0..reps {
        sequential = black_box(sequential_map(tiny));
    }
    let sequential_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut parallel = Vec::new();
    for _ in 0..reps {
        parallel = black_box(parallel_map(pool, tiny));
    }
    let parallel_s = start.elapsed().as_secs_f64();
    (
        sequential_s,
        parallel_s,
        same_results(&sequential, &parallel),
    )
}

fn print_times(n_jobs: usize, reps: u32, [seq, par, tiny_seq, tiny_par]: [f64; 4]) {
    println!(
        "  {:<36} {:>10} {:>12} {:>9}",
        "map of the 40 items", "seconds", "per map", "speedup"
    );
    let rows = [
        ("sequential", seq, 1, seq),
        (
            &format!("rayon pool of {n_jobs} (with building it)") as &str,
            par,
            1,
            seq,
        ),
        (
            &format!("tiny items, sequential, {reps} times"),
            tiny_seq,
            reps,
            tiny_seq,
        ),
        (
            &format!("tiny items, pool, {reps} times"),
            tiny_par,
            reps,
            tiny_seq,
        ),
    ];
    for (name, secs, times, base) in rows {
        let per_map = secs / times as f64;
        let per_map = if per_map >= 1e-3 {
            format!("{:.1} ms", per_map * 1e3)
        } else {
            format!("{:.2} us", per_map * 1e6)
        };
        println!(
            "  {name:<36} {secs:>10.6} {per_map:>12} {:>8.3}x",
            base / secs.max(1e-12)
        );
    }
    println!();
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
        assert!(same_results(&sequential, &parallel));
        assert!(
            parallel
                .iter()
                .all(|item| item.thread.is_some_and(|t| t < 4))
        );
        assert_eq!(pool_threads_alive(&pool), 4);
    }
}
