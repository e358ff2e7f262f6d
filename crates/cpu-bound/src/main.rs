//! CPU-bound work is limited by the processor, not by waiting, so the only way to finish
//! it sooner is to run parts of it on several cores at once. One workload with a
//! checkable answer (the Python tutorials' benchmark: for each of twenty jobs, the sum of
//! `i*i` for every `i` below `5_000_000 + x`) runs four ways: on one thread, on scoped std
//! threads, in forked processes that send their results back over pipes, and on a rayon
//! pool. Every way calls the same compiled `job` function, and the four take turns over
//! several rounds, so only the number of cores differs. Then the notes' other CPU-bound
//! example, a big factorial.
//!
//!     cargo run --release -p cpu-bound
//!     taskset -c 0 cargo run --release -p cpu-bound     (one core: each speedup at most about 1)
//!
//! What to look for: each way's speedup (the sequential thread's own CPU time over the
//! way's wall time) is about `cores`, never more, with identical results. Unlike CPython,
//! Rust threads need no extra processes to use every core: there is no GIL to get around.
//! `--trace t.json` writes the run for Perfetto or vizviewer: one lane per worker, each
//! job a slice on the lane that ran it.

mod child;
mod factorial;
mod lanes;
mod limits;
mod machine;
mod output;
mod records;
mod report;
mod trace;

use std::fs::File;
use std::hint::black_box;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;
use std::time::Instant;

use anyhow::{Context, anyhow};
use clap::Parser;
use nix::unistd::{ForkResult, Pid, fork, pipe};
use rayon::prelude::*;

use lanes::Lanes;
use report::{Method, Summary};
use trace::Trace;

/// One CPU-bound workload: sequential, threads, forked processes, rayon.
#[derive(Parser, Debug)]
#[command(version, about, after_help = report::SPEEDUP_HELP)]
struct Args {
    /// The base size: job x sums i*i for every i below SIZE + x.
    #[arg(long, default_value_t = 5_000_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    size: u64,
    /// How many jobs (x runs from 0 to JOBS - 1).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    jobs: u64,
    /// Threads or processes to use [default: the cores this process may run on].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    workers: Option<u32>,
    /// Rounds: the four ways take turns this many times; each figure is the median round.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    rounds: u32,
    /// n for the factorial example (0 skips it).
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(0..=200_000))]
    factorial: u32,
    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

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
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let workers = args.workers.map_or(cores, |w| w as usize);
    // Before any thread starts: workers too many for `ulimit -v` are one line, not an abort.
    limits::check(workers, args.factorial > 0)?;
    let sizes: Vec<u64> = (0..args.jobs).map(|x| args.size + x).collect();
    let trace = match args.trace {
        Some(_) => Trace::new(Instant::now()),
        None => Trace::off(),
    };
    report::header(args.jobs, args.size, workers, cores, args.rounds);

    let methods: [Method; 4] = [
        ("sequential", 1, sequential),
        ("std threads (scoped)", workers, on_threads),
        ("forked processes + pipes", workers, in_forked_processes),
        ("rayon", workers, on_rayon),
    ];
    let nouns = ["main thread", "thread", "child process", "rayon worker"];
    let lanes: Vec<Lanes> = (methods.iter().zip(nouns))
        .map(|(&(way, workers, _), noun)| Lanes::new(&trace, way, noun, workers))
        .collect();
    let timings = report::take_turns(&methods, &lanes, &sizes, args.rounds)?;
    let checks = report::check_and_print(&timings, &sizes);
    let factorial = factorial::show(args.factorial, workers)?;
    lanes::write(&trace, args.trace.as_deref())?;
    Ok(Summary::new(
        cores, workers, args, &timings, checks, factorial,
    ))
}

// ANCHOR: job
/// The job: the sum of i*i for every i below n. Every method calls this one compiled
/// copy (`inline(never)`), and `black_box` hides n and each i from the optimiser: it can
/// neither specialise the loop for a known n, nor vectorise it, nor replace it with the
/// closed form. Each way of running it then executes the same machine code.
#[inline(never)]
fn job(n: u64) -> u128 {
    let n = black_box(n);
    let mut total = 0u128;
    for i in 0..n {
        let i = black_box(i);
        total += (i * i) as u128;
    }
    total
}
// ANCHOR_END: job

/// What to do when the system will not start the threads.
const LIMITS_HINT: &str = "cannot start the worker threads; try fewer --workers, or raise the \
    limits on memory (ulimit -v) and threads (ulimit -u)";

fn sequential(sizes: &[u64], _workers: usize, lanes: &Lanes) -> anyhow::Result<Vec<u128>> {
    Ok((sizes.iter().enumerate())
        .map(|(j, &n)| timed(lanes, 0, j, n))
        .collect())
}

/// `job(n)`, recorded on worker `k`'s lane as job `j`.
fn timed(lanes: &Lanes, k: usize, j: usize, n: u64) -> u128 {
    let from = Instant::now();
    let sum = job(n);
    lanes.job(k, j, n, from, Instant::now());
    sum
}

/// The jobs worker k of `workers` takes: k, k + workers, k + 2 * workers, ...
fn jobs_of(k: usize, workers: usize, count: usize) -> impl Iterator<Item = usize> {
    (k..count).step_by(workers)
}

// ANCHOR: threads
/// Scoped threads may borrow `sizes` from this stack frame: the scope joins them all
/// before it returns, so no Arc and no 'static are needed. No GIL: each runs on a core.
fn on_threads(sizes: &[u64], workers: usize, lanes: &Lanes) -> anyhow::Result<Vec<u128>> {
    let mut results = vec![0u128; sizes.len()];
    thread::scope(|scope| {
        let mut handles = Vec::new();
        for k in 0..workers {
            let worker = move || {
                let mine = jobs_of(k, workers, sizes.len());
                mine.map(|j| (j, timed(lanes, k, j, sizes[j])))
                    .collect::<Vec<_>>()
            };
            let builder = thread::Builder::new().stack_size(limits::STACK);
            let handle = builder.spawn_scoped(scope, worker);
            handles.push(handle.context(LIMITS_HINT)?);
        }
        for handle in handles {
            let done = handle
                .join()
                .map_err(|_| anyhow!("a worker thread panicked"))?;
            for (j, sum) in done {
                results[j] = sum;
            }
        }
        Ok(results)
    })
}
// ANCHOR_END: threads

/// Forks one child per worker: what `multiprocessing` does underneath on Linux. Each child
/// computes its jobs and writes them into its own pipe; the parent reads every pipe to
/// its end, then reaps every child, also after a failure, so no zombie is left.
fn in_forked_processes(sizes: &[u64], workers: usize, lanes: &Lanes) -> anyhow::Result<Vec<u128>> {
    // Anything still buffered would be copied into each child (and could be printed twice).
    std::io::stdout()
        .flush()
        .context("cannot write the output; free some space or write elsewhere")?;
    let mut children: Vec<(Pid, File)> = Vec::new();
    let mut failure = None;
    let parent = nix::unistd::getpid();
    for k in 0..workers {
        let (reader, writer) = match pipe() {
            Ok(ends) => ends,
            Err(e) => {
                failure = Some(anyhow!(e).context("cannot create a pipe"));
                break;
            }
        };
        // SAFETY: after fork the child may only call async-signal-safe functions, since
        // a lock may be held by a thread it did not inherit (a rayon thread of an earlier
        // round may still be ending). The child calls only `job` (arithmetic), write(2)
        // from a stack buffer, and _exit: no allocation, no lock, no stdout.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                drop(reader);
                child::dies_with_parent(parent);
                let pipe = File::from(writer);
                let status = child::sends_results(sizes, k, workers, lanes.zero(), pipe);
                // SAFETY: _exit ends the child at once, without exit handlers or flushing
                // buffers copied from the parent.
                unsafe { nix::libc::_exit(status) }
            }
            Ok(ForkResult::Parent { child }) => {
                // Our copy of the write end must close, or the read never sees the end.
                drop(writer);
                children.push((child, File::from(reader)));
            }
            Err(e) => {
                failure = Some(anyhow!(e).context("cannot fork a child"));
                break;
            }
        }
    }
    // Read every pipe, then reap every child, also after a failure: no zombie is left.
    child::read_then_reap(children, failure, sizes, lanes)
}

// ANCHOR: rayon
/// rayon splits the jobs among its pool's threads and balances them by work stealing.
fn on_rayon(sizes: &[u64], workers: usize, lanes: &Lanes) -> anyhow::Result<Vec<u128>> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(workers);
    let pool = pool.stack_size(limits::STACK).build(); // the stack limits::check counts
    // rayon's error repeats its cause as its source: say it once.
    let pool = pool.map_err(|e| anyhow!("{e}")).context(LIMITS_HINT)?;
    let worker = || rayon::current_thread_index().unwrap_or(0); // which lane, for the trace
    Ok(pool.install(|| {
        (sizes.par_iter().enumerate())
            .map(|(j, &n)| timed(lanes, worker(), j, n))
            .collect()
    }))
}
// ANCHOR_END: rayon
