//! CPU-bound work is limited by the processor, not by waiting, so the only way to finish
//! it sooner is to run parts of it on several cores at once. One workload with a
//! checkable answer (the well-known Python benchmark: for each of twenty jobs, the sum of
//! `i*i` for every `i` below `5_000_000 + x`) runs four ways: on one thread, on scoped
//! std threads, in forked processes that send their results back over pipes, and on a
//! rayon pool. Every result is checked against the closed form n(n-1)(2n-1)/6. Then the
//! notes' other CPU-bound example, a big factorial, on one thread and on the rayon pool.
//!
//! Run it:
//!
//!     cargo run --release -p cpu-bound
//!     cargo run --release -p cpu-bound -- --size 20000000 --jobs 8 --workers 4
//!
//! What to look for: threads, processes and rayon each finish about `cores` times sooner
//! than the sequential run, with identical results. Unlike CPython, Rust threads need no
//! extra processes to use every core: there is no GIL to get around.

mod factorial;

use std::fs::File;
use std::hint::black_box;
use std::io::{Read, Write};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, pipe};
use rayon::prelude::*;

/// One CPU-bound workload: sequential, threads, forked processes, rayon.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The base size: job x sums i*i for every i below SIZE + x.
    #[arg(long, default_value_t = 5_000_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    size: u64,
    /// How many jobs (x runs from 0 to JOBS - 1).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    jobs: u64,
    /// Threads or processes to use [default: the number of cores].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    workers: Option<u32>,
    /// n for the factorial example (0 skips it).
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(0..=200_000))]
    factorial: u32,
}

/// One way of running the jobs, what it took and what it found.
struct Method {
    name: &'static str,
    workers: usize,
    elapsed: Duration,
    results: Vec<u128>,
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
    let workers = args.workers.map_or(cores, |w| w as usize);
    let sizes: Vec<u64> = (0..args.jobs).map(|x| args.size + x).collect();
    println!(
        "cpu-bound: {} jobs, job x sums i*i for i below {} + x; {workers} workers on {cores} cores\n",
        args.jobs, args.size
    );

    // One job, untimed, so the first timed run does not pay for a cold start.
    black_box(sum_of_squares(args.size));
    let methods = [
        timed("sequential", 1, || Ok(sequential(&sizes)))?,
        timed("std threads (scoped)", workers, || {
            on_threads(&sizes, workers)
        })?,
        timed("forked processes + pipes", workers, || {
            in_forked_processes(&sizes, workers)
        })?,
        timed("rayon", workers, || on_rayon(&sizes, workers))?,
    ];
    let children_left = children_left();
    let expected: Vec<u128> = sizes.iter().map(|&n| closed_form(n)).collect();
    print_table(&methods, &expected);
    println!(
        "  every job checked against n(n-1)(2n-1)/6; child processes left after the run: \
         {children_left}\n"
    );
    let digits = big_factorial(args.factorial, workers)?;

    let secs = |m: &Method| m.elapsed.as_secs_f64();
    let speedup = |m: &Method| secs(&methods[0]) / secs(m).max(1e-9);
    let results_equal = methods.iter().all(|m| m.results == expected);
    Ok(format!(
        "summary: cores={cores} workers={workers} jobs={} size={} sequential_s={:.3} \
         threads_s={:.3} processes_s={:.3} rayon_s={:.3} speedup_threads={:.2} \
         speedup_processes={:.2} speedup_rayon={:.2} results_equal={results_equal} \
         children_left={children_left} factorial_digits={digits} ideal_s=0.000",
        args.jobs,
        args.size,
        secs(&methods[0]),
        secs(&methods[1]),
        secs(&methods[2]),
        secs(&methods[3]),
        speedup(&methods[1]),
        speedup(&methods[2]),
        speedup(&methods[3]),
    ))
}

/// The job: the sum of i*i for every i below n.
fn sum_of_squares(n: u64) -> u128 {
    let mut total = 0u128;
    for i in 0..n {
        // black_box hides each i from the optimiser. Without it, the compiler may
        // vectorise the loop or replace it with the closed form, and the "work" would
        // no longer be the n multiplications and additions Python does.
        let i = black_box(i);
        total += (i * i) as u128;
    }
    total
}

/// What the sum must come to: n(n-1)(2n-1)/6.
fn closed_form(n: u64) -> u128 {
    let n = n as u128;
    n * n.saturating_sub(1) * (2 * n).saturating_sub(1) / 6
}

fn timed(
    name: &'static str,
    workers: usize,
    method: impl FnOnce() -> Result<Vec<u128>, String>,
) -> Result<Method, String> {
    let start = Instant::now();
    let results = method()?;
    Ok(Method {
        name,
        workers,
        elapsed: start.elapsed(),
        results,
    })
}

fn sequential(sizes: &[u64]) -> Vec<u128> {
    sizes.iter().map(|&n| sum_of_squares(n)).collect()
}

/// The jobs worker k of `workers` takes: k, k + workers, k + 2 * workers, ...
fn jobs_of(k: usize, workers: usize, count: usize) -> impl Iterator<Item = usize> {
    (k..count).step_by(workers)
}

/// Scoped threads may borrow `sizes` from this stack frame: the scope joins them all
/// before it returns, so no Arc and no 'static are needed.
fn on_threads(sizes: &[u64], workers: usize) -> Result<Vec<u128>, String> {
    let mut results = vec![0u128; sizes.len()];
    thread::scope(|scope| {
        let mut handles = Vec::new();
        for k in 0..workers {
            let handle = thread::Builder::new()
                .name(format!("worker-{k}"))
                .spawn_scoped(scope, move || {
                    jobs_of(k, workers, sizes.len())
                        .map(|j| (j, sum_of_squares(sizes[j])))
                        .collect::<Vec<_>>()
                })
                .map_err(|e| format!("could not start a thread: {e}; try fewer --workers"))?;
            handles.push(handle);
        }
        for handle in handles {
            let done = handle
                .join()
                .map_err(|_| "a worker thread panicked; this is a bug in the demo".to_string())?;
            for (j, sum) in done {
                results[j] = sum;
            }
        }
        Ok(results)
    })
}

/// Bytes in one record a child sends: the job's index (u64) and its sum (u128).
const RECORD: usize = 8 + 16;

/// Forks one child per worker. Each child computes its jobs and writes the results into
/// its own pipe, then exits; the parent reads every pipe to its end and reaps every child.
fn in_forked_processes(sizes: &[u64], workers: usize) -> Result<Vec<u128>, String> {
    // Anything still buffered would be copied into each child (and could be printed twice).
    std::io::stdout()
        .flush()
        .map_err(|e| format!("could not write to stdout: {e}; check the terminal or pipe"))?;
    let mut children: Vec<(Pid, File)> = Vec::new();
    let mut failure = None;
    for k in 0..workers {
        let (reader, writer) = match pipe() {
            Ok(ends) => ends,
            Err(e) => {
                failure = Some(format!("could not create a pipe: {e}; try fewer --workers"));
                break;
            }
        };
        // SAFETY: fork is unsafe because in a multi-threaded process the child may only
        // call async-signal-safe functions. Here the process has one thread when it
        // forks: the scoped threads have all been joined and the rayon pool is built
        // later, so no lock can be held by a thread that the child lacks.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                drop(reader);
                let status = child_sends_results(sizes, k, workers, File::from(writer));
                // SAFETY: _exit ends the child at once. It must not return into the
                // parent's code, nor run exit handlers or flush buffers copied from it.
                unsafe { nix::libc::_exit(status) }
            }
            Ok(ForkResult::Parent { child }) => {
                // Close our copy of the write end, or the read below would never see
                // the end of the stream.
                drop(writer);
                children.push((child, File::from(reader)));
            }
            Err(e) => {
                failure = Some(format!("fork failed: {e}; try fewer --workers"));
                break;
            }
        }
    }

    let mut results = vec![None; sizes.len()];
    for (k, (_, pipe)) in children.iter_mut().enumerate() {
        if failure.is_some() {
            break;
        }
        if let Err(e) = read_records(pipe, &mut results) {
            failure = Some(format!("reading from child {k}: {e}"));
        }
    }
    // Reap every child, even after a failure: no zombie is left behind. Closing the
    // pipes first makes a child still writing get an error and exit.
    let pids: Vec<Pid> = children.into_iter().map(|(pid, _)| pid).collect();
    for pid in pids {
        match waitpid(pid, None) {
            Ok(WaitStatus::Exited(_, 0)) => {}
            Ok(status) => failure = failure.or(Some(format!("child ended with {status:?}"))),
            Err(e) => failure = failure.or(Some(format!("waitpid failed: {e}"))),
        }
    }
    if let Some(message) = failure {
        return Err(message);
    }
    results
        .into_iter()
        .collect::<Option<Vec<u128>>>()
        .ok_or_else(|| "a child sent no result for some job; this is a bug".to_string())
}

/// The child's whole life: compute, send, report success or failure as an exit status.
fn child_sends_results(sizes: &[u64], k: usize, workers: usize, mut pipe: File) -> i32 {
    let mut bytes = Vec::new();
    for j in jobs_of(k, workers, sizes.len()) {
        bytes.extend_from_slice(&(j as u64).to_le_bytes());
        bytes.extend_from_slice(&sum_of_squares(sizes[j]).to_le_bytes());
    }
    match pipe.write_all(&bytes) {
        Ok(()) => 0,
        Err(_) => 1,
    }
}

fn read_records(pipe: &mut File, results: &mut [Option<u128>]) -> Result<(), String> {
    let mut bytes = Vec::new();
    pipe.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.len() % RECORD != 0 {
        return Err("a record was cut short".into());
    }
    for record in bytes.chunks_exact(RECORD) {
        let (index, sum) = record.split_at(8);
        let index = u64::from_le_bytes(index.try_into().map_err(|_| "bad index")?) as usize;
        let sum = u128::from_le_bytes(sum.try_into().map_err(|_| "bad sum")?);
        *results.get_mut(index).ok_or("index out of range")? = Some(sum);
    }
    Ok(())
}

/// rayon splits the jobs among its pool's threads and balances them by work stealing.
fn on_rayon(sizes: &[u64], workers: usize) -> Result<Vec<u128>, String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .map_err(|e| format!("could not start the rayon pool: {e}; try fewer --workers"))?;
    Ok(pool.install(|| sizes.par_iter().map(|&n| sum_of_squares(n)).collect()))
}

/// Whether this process still has any child: 0 when every one has been reaped.
fn children_left() -> u32 {
    match waitpid(None::<Pid>, Some(WaitPidFlag::WNOHANG)) {
        Err(nix::errno::Errno::ECHILD) => 0,
        _ => 1,
    }
}

fn print_table(methods: &[Method], expected: &[u128]) {
    let base = methods[0].elapsed.as_secs_f64();
    println!(
        "  {:<26} {:>7} {:>8} {:>8}  results",
        "method", "workers", "seconds", "speedup"
    );
    for m in methods {
        let verdict = if m.results == expected {
            "identical, all correct"
        } else {
            "WRONG"
        };
        println!(
            "  {:<26} {:>7} {:>8.3} {:>7.2}x  {verdict}",
            m.name,
            m.workers,
            m.elapsed.as_secs_f64(),
            base / m.elapsed.as_secs_f64().max(1e-9)
        );
    }
    if let (Some(first), Some(last)) = (expected.first(), expected.last()) {
        println!("  first job's sum {first}, last job's sum {last}");
    }
}

/// n! with a hand-written bignum: the range 1..=n cut into one part per worker, each
/// part multiplied out, then the parts multiplied together. The same code runs on a
/// one-thread pool and on a pool of `workers`, so only the threads differ. Its digit
/// count is checked against floor(log10 n!) + 1, summed without any bignum.
fn big_factorial(n: u32, workers: usize) -> Result<usize, String> {
    if n == 0 {
        return Ok(0);
    }
    let pool = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| format!("could not start the rayon pool: {e}; try fewer --workers"))
    };
    let (one_thread, all_workers) = (pool(1)?, pool(workers)?);
    let start = Instant::now();
    let alone = one_thread.install(|| factorial::in_parts(n, workers));
    let alone_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let together = all_workers.install(|| factorial::in_parts(n, workers));
    let together_s = start.elapsed().as_secs_f64();

    let digits = factorial::to_decimal(&alone);
    let expected = factorial::digits_by_logarithm(n);
    println!(
        "{n}! = {}... ({} digits; log10 says {expected}: {})",
        &digits[..digits.len().min(20)],
        digits.len(),
        if digits.len() == expected {
            "agrees"
        } else {
            "DISAGREES"
        }
    );
    println!(
        "  {workers} parts, then multiplied together: on 1 thread {alone_s:.3} s, on \
         {workers} threads {together_s:.3} s ({:.2}x), {}",
        alone_s / together_s.max(1e-9),
        if together == alone {
            "same number"
        } else {
            "DIFFERENT NUMBER"
        }
    );
    println!("  (the last multiplication runs on one thread: Amdahl's law caps the speedup)\n");
    if digits.len() != expected || together != alone {
        return Err(format!("{n}! came out wrong; this is a bug in the demo"));
    }
    Ok(digits.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loop_matches_the_closed_form() {
        for n in [0, 1, 2, 3, 10, 1000, 12_345] {
            assert_eq!(sum_of_squares(n), closed_form(n), "n = {n}");
        }
    }

    #[test]
    fn every_job_goes_to_exactly_one_worker() {
        for workers in 1..6 {
            let mut seen: Vec<usize> = (0..workers).flat_map(|k| jobs_of(k, workers, 17)).collect();
            seen.sort();
            assert_eq!(seen, (0..17).collect::<Vec<_>>());
        }
    }
}
