//! Rust has no Global Interpreter Lock, so this demo builds one to show what it costs.
//! The emulated GIL is one global lock that a thread must hold while it runs "bytecode"
//! (CPU work, in slices of CPython's 5 ms switch interval, handing the lock on after each
//! slice). The same CPU work runs on one thread, on N threads with no lock, on N threads
//! with the GIL, and on N threads as "native code" that lets go of the GIL for its whole
//! loop, as a C extension such as NumPy does. Then I/O work runs on N threads that
//! release the GIL while they wait, and on N that keep holding it.
//!
//! Run it:
//!
//!     cargo run --release -p gil
//!     cargo run --release -p gil -- --threads 4 --work 100 --io-ms 20
//!
//! What to look for: with no lock, and in native code, N threads finish the CPU work up
//! to N times faster (as many as there are cores); with the GIL they are no faster than
//! one thread, keep one core busy at most, and the timeline shows them taking turns. I/O
//! threads that release the GIL overlap their waits; holding it across the wait does not.

mod gil;
mod report;
mod threads;
mod work;

use std::ops::Range;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;

use gil::Gil;
use report::{CpuFigures, IoFigures, Summary};
use threads::{Span, on_threads, share};
use work::bytecode;

/// What an emulated Global Interpreter Lock does to CPU threads, to native code that
/// releases it, and to I/O threads.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Threads for the N-thread runs [default: the number of cores, at least 2].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    threads: Option<u32>,
    /// Total CPU work, in millions of loop iterations, shared out among the threads.
    #[arg(long, default_value_t = 200.0, value_parser = parse_work)]
    work: f64,
    /// How long one I/O operation waits, in milliseconds (a sleep stands in for a
    /// blocking read).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    io_ms: u64,
    /// Total number of I/O operations, shared out among the threads.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    io_ops: u64,
    /// How long a thread runs bytecode before it hands the GIL on, in microseconds
    /// (CPython's switch interval is 5000).
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    switch_us: u64,
}

fn parse_work(text: &str) -> Result<f64, String> {
    let work: f64 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number"))?;
    if (0.001..=100_000.0).contains(&work) {
        Ok(work)
    } else {
        Err("must be between 0.001 and 100000 (millions of iterations)".into())
    }
}

fn main() -> ExitCode {
    report::end_quietly_on_closed_pipe();
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

fn run(args: &Args) -> Result<Summary, String> {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let threads = args.threads.map_or(cores.max(2), |n| n as usize);
    let iterations = (args.work * 1e6).round() as u64;
    let (switch, wait) = (
        Duration::from_micros(args.switch_us),
        Duration::from_millis(args.io_ms),
    );
    println!(
        "gil: {threads} threads on {cores} cores; CPU work {} M iterations, switch interval {} us; \
         I/O {} operations of {} ms\n",
        args.work, args.switch_us, args.io_ops, args.io_ms
    );
    let cpu = cpu_bound_work_under_the_gil(threads, iterations, switch)?;
    let io = io_bound_work_releases_the_gil(threads, args.io_ops, wait)?;
    // The only deliberate waits are the I/O sleeps: all of them on one thread, then the
    // largest share one thread gets in each of the two N-thread runs.
    let waits = args.io_ops + 2 * args.io_ops.div_ceil(threads as u64);
    let ideal_s = wait.as_secs_f64() * waits as f64;
    Ok(Summary {
        threads,
        cores,
        cpu,
        io,
        ideal_s,
    })
}

/// The same CPU work on one thread, on N threads with no lock, on N threads that must
/// hold the GIL to run it, and on N threads running it as native code without the GIL.
fn cpu_bound_work_under_the_gil(
    n: usize,
    iterations: u64,
    switch: Duration,
) -> Result<CpuFigures, String> {
    // A little work, untimed, so the first timed run does not pay for a cold start.
    std::hint::black_box(bytecode(0..iterations / 20));
    let one = on_threads(1, |_, t0| run_bytecode(0..iterations, None, switch, t0))?;
    let no_lock = on_threads(n, |k, t0| {
        run_bytecode(share(iterations, n, k), None, switch, t0)
    })?;
    let gil = Gil::new();
    let with_gil = on_threads(n, |k, t0| {
        run_bytecode(share(iterations, n, k), Some(&gil), switch, t0)
    })?;
    let native_gil = Gil::new();
    let native = on_threads(n, |k, t0| {
        run_native_code(share(iterations, n, k), &native_gil, t0)
    })?;
    let figures = CpuFigures {
        most_holders: gil.most_holders(),
        taken: gil.acquisitions(),
        overlaps: report::overlapping_spans(&with_gil.spans),
        native_taken: native_gil.acquisitions(),
        one,
        no_lock,
        with_gil,
        native,
    };
    report::print_cpu_runs(n, &figures);
    Ok(figures)
}

// ANCHOR: bytecode
/// Runs the bytecode for `work` in slices of one switch interval. With a GIL, a slice
/// runs only while holding it, as in CPython, and the lock is handed on after each one.
fn run_bytecode(
    work: Range<u64>,
    gil: Option<&Gil>,
    switch: Duration,
    t0: Instant,
) -> (u64, Vec<Span>) {
    let (mut sum, mut spans, mut next) = (0u64, Vec::new(), work.start);
    while next < work.end {
        let held = gil.map(Gil::acquire); // no bytecode without the GIL
        let start = Instant::now();
        while next < work.end && start.elapsed() < switch {
            let end = work.end.min(next + CHUNK); // a few thousand steps between clock checks
            sum = sum.wrapping_add(bytecode(next..end));
            next = end;
        }
        spans.push(Span {
            start: start - t0,
            end: t0.elapsed(),
        });
        drop(held); // hand it on; queue for it again
    }
    (sum, spans)
}
// ANCHOR_END: bytecode

/// Iterations between two looks at the clock: small against a switch interval.
const CHUNK: u64 = 4096;

// ANCHOR: native
/// A C extension's call, as NumPy makes one: it holds the GIL to take its arguments,
/// lets go of it for the loop (Py_BEGIN_ALLOW_THREADS), and takes it back to return the
/// result (Py_END_ALLOW_THREADS). The loop is the same machine code as the bytecode.
fn run_native_code(work: Range<u64>, gil: &Gil, t0: Instant) -> (u64, Vec<Span>) {
    let held = gil.acquire(); // called from Python: the arguments are Python objects
    drop(held); // Py_BEGIN_ALLOW_THREADS: other threads may run bytecode meanwhile
    let start = t0.elapsed();
    let sum = bytecode(work); // the whole loop, with no lock and no switch interval
    let end = t0.elapsed();
    let _held = gil.acquire(); // Py_END_ALLOW_THREADS: back to Python with the result
    (sum, vec![Span { start, end }])
}
// ANCHOR_END: native

/// I/O operations (a little bytecode, then a wait) on one thread, on N threads that
/// release the GIL while they wait, and on N threads that keep holding it.
fn io_bound_work_releases_the_gil(n: usize, ops: u64, wait: Duration) -> Result<IoFigures, String> {
    let io = |threads: usize, release: bool| {
        let gil = Gil::new();
        on_threads(threads, |k, t0| {
            run_io(share(ops, threads, k), &gil, release, wait, t0)
        })
    };
    let (one, released, held) = (io(1, true)?, io(n, true)?, io(n, false)?);

    let figures = IoFigures {
        one,
        released,
        held,
    };
    report::print_io_runs(n, &figures);
    Ok(figures)
}

/// Bytecode run to build each request and again to handle each reply.
const REQUEST_WORK: u64 = 2_000;

// ANCHOR: io
/// Each operation builds a request (bytecode, under the GIL), waits for the reply, then
/// handles it (bytecode again). Releasing the GIL around the wait is what CPython does
/// in every blocking call: `time.sleep`, `socket.recv`, `file.read`.
fn run_io(
    ops: Range<u64>,
    gil: &Gil,
    release: bool,
    wait: Duration,
    t0: Instant,
) -> (u64, Vec<Span>) {
    let (mut sum, mut waits) = (0u64, Vec::new());
    for op in ops {
        let held = gil.acquire();
        let request = bytecode(op * REQUEST_WORK..(op + 1) * REQUEST_WORK);
        let start = t0.elapsed();
        let held = if release {
            drop(held); // around I/O: let go,
            thread::sleep(wait); // wait (other threads run bytecode meanwhile),
            gil.acquire() // and take it back to handle the reply
        } else {
            thread::sleep(wait); // the mistake: everyone else waits too
            held
        };
        let end = t0.elapsed();
        waits.push(Span { start, end });
        sum = sum.wrapping_add(bytecode(request..request + REQUEST_WORK));
        drop(held);
    }
    (sum, waits)
}
// ANCHOR_END: io
