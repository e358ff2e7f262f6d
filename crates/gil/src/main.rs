//! Rust has no Global Interpreter Lock, so this demo builds one to show what it costs: one
//! global lock a thread must hold to run "bytecode" (CPU work, in slices of CPython's 5 ms
//! switch interval, handing the lock on after each). The same CPU work runs on one thread,
//! on N threads with no lock, on N with the GIL, and on N as "native code" that lets go of
//! the GIL for its whole loop, as a C extension such as NumPy does, and in N forked
//! processes, each with a GIL of its own (as each Python process has). Then I/O work runs on
//! N threads that release the GIL while they wait, and on N that keep holding it.
//!
//! Run: `cargo run --release -p gil`, or
//! `cargo run --release -p gil -- --threads 4 --work 100 --io-ms 20`.
//!
//! What to look for: with no lock, and in native code, N threads finish the CPU work up
//! to N times faster (as many as there are cores); with the GIL they are no faster than
//! one thread, keep one core busy at most, and the timeline shows them taking turns; N
//! processes, one GIL each, scale as the threads with no lock do. I/O
//! threads that release the GIL overlap their waits; holding it across the wait does not.
//! `--trace t.json` writes the run for Perfetto or vizviewer: one lane per thread, the
//! GIL's holds taking turns, the no-lock threads' work side by side.

mod gil;
mod machine;
mod output;
mod processes;
mod recording;
mod report;
mod threads;
mod trace;
mod work;

use std::ops::Range;
use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

use gil::Gil;
use processes::on_processes;
use report::{CpuFigures, IoFigures, Summary};
use threads::{Spans, on_threads, share};
use trace::Trace;
use work::{CHUNK, bytecode, reply_steps, request_steps};

/// What an emulated Global Interpreter Lock does to CPU threads, to native code that
/// releases it, and to I/O threads.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Threads for the N-thread runs [default: the number of cores, at least 2].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    threads: Option<u32>,
    /// Total CPU work, in millions of loop iterations, shared out among the threads.
    #[arg(long, default_value_t = 200.0, value_parser = work::parse_millions)]
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
    let threads = args.threads.map_or(cores.max(2), |n| n as usize);
    let switch = Duration::from_micros(args.switch_us);
    let wait = Duration::from_millis(args.io_ms);
    let trace = match args.trace {
        Some(_) => Trace::new(Instant::now()),
        None => Trace::off(),
    };
    report::print_plan(args, threads, cores);
    let cpu = cpu_bound_work_under_the_gil(threads, work::iterations(args.work), switch)?;
    recording::record_cpu(&trace, threads, &cpu);
    let io = io_bound_work_releases_the_gil(threads, args.io_ops, wait)?;
    recording::record_io(&trace, threads, &io);
    if let Some(path) = &args.trace {
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
    let summary = Summary::new(threads, cores, cpu, io, args.io_ops, wait);
    report::explain_ideal(&summary, args.io_ops, wait);
    Ok(summary)
}

/// The same CPU work on one thread, on N threads with no lock, on N threads that must
/// hold the GIL to run it, on N threads running it as native code without the GIL, and
/// in N processes, each holding a GIL of its own.
fn cpu_bound_work_under_the_gil(
    n: usize,
    iterations: u64,
    switch: Duration,
) -> anyhow::Result<CpuFigures> {
    work::warm_up(iterations);
    let one = on_threads(1, |_, busy| run_bytecode(0..iterations, None, switch, busy))?;
    let no_lock = on_threads(n, |k, busy| {
        run_bytecode(share(iterations, n, k), None, switch, busy)
    })?;
    let gil = Gil::new();
    let with_gil = on_threads(n, |k, busy| {
        run_bytecode(share(iterations, n, k), Some(&gil), switch, busy)
    })?;
    let native_gil = Gil::new();
    let native = on_threads(n, |k, busy| {
        run_native_code(share(iterations, n, k), &native_gil, busy)
    })?;
    let processes = on_processes(n, |k, busy| {
        let own_gil = Gil::new(); // a process of its own: its own interpreter, its own GIL
        run_bytecode(share(iterations, n, k), Some(&own_gil), switch, busy)
    })?;
    let runs = [one, no_lock, with_gil, native, processes];
    let figures = CpuFigures::new(runs, &gil, &native_gil);
    report::print_cpu_runs(n, &figures);
    Ok(figures)
}

// ANCHOR: bytecode
/// Runs the bytecode for `work` in slices of one switch interval. With a GIL, a slice
/// runs only while holding it, as in CPython, and the lock is handed on after each one.
fn run_bytecode(work: Range<u64>, gil: Option<&Gil>, switch: Duration, busy: &mut Spans) -> u64 {
    let (mut sum, mut next) = (0u64, work.start);
    while next < work.end {
        let held = gil.map(Gil::acquire); // no bytecode without the GIL
        let start = Instant::now();
        while next < work.end && start.elapsed() < switch {
            let end = work.end.min(next + CHUNK); // a few thousand steps between clock checks
            sum = sum.wrapping_add(bytecode(next..end));
            next = end;
        }
        busy.record(start); // the slice, for the timeline
        drop(held); // hand it on; queue for it again
    }
    sum
}
// ANCHOR_END: bytecode

// ANCHOR: native
/// A C extension's call, as NumPy makes one: it holds the GIL to take its arguments,
/// lets go of it for the loop (Py_BEGIN_ALLOW_THREADS), and takes it back to return the
/// result (Py_END_ALLOW_THREADS). The loop is the same machine code as the bytecode.
fn run_native_code(work: Range<u64>, gil: &Gil, busy: &mut Spans) -> u64 {
    let held = gil.acquire(); // called from Python: the arguments are Python objects
    drop(held); // Py_BEGIN_ALLOW_THREADS: other threads may run bytecode meanwhile
    let start = Instant::now();
    let sum = bytecode(work); // the whole loop, with no lock and no switch interval
    busy.record(start);
    let _held = gil.acquire(); // Py_END_ALLOW_THREADS: back to Python with the result
    sum
}
// ANCHOR_END: native

/// I/O operations (a little bytecode, then a wait) on one thread, on N threads that
/// release the GIL while they wait, and on N threads that keep holding it.
fn io_bound_work_releases_the_gil(n: usize, ops: u64, wait: Duration) -> anyhow::Result<IoFigures> {
    let io = |threads: usize, release: bool| {
        let gil = Gil::new();
        on_threads(threads, |k, waits| {
            run_io(share(ops, threads, k), &gil, release, wait, waits)
        })
    };
    let figures = IoFigures {
        one: io(1, true)?,
        released: io(n, true)?,
        held: io(n, false)?,
    };
    report::print_io_runs(n, &figures);
    Ok(figures)
}

// ANCHOR: io
/// Each operation builds a request (bytecode, under the GIL), waits for the reply, then
/// handles it (bytecode again). Releasing the GIL around the wait is what CPython does
/// in every blocking call: `time.sleep`, `socket.recv`, `file.read`.
fn run_io(ops: Range<u64>, gil: &Gil, release: bool, wait: Duration, waits: &mut Spans) -> u64 {
    let mut sum = 0u64;
    for op in ops {
        let held = gil.acquire();
        let request = bytecode(request_steps(op)); // build the request
        let start = Instant::now();
        let held = if release {
            drop(held); // around I/O: let go,
            thread::sleep(wait); // wait (other threads run bytecode meanwhile),
            gil.acquire() // and take it back to handle the reply
        } else {
            thread::sleep(wait); // the mistake: everyone else waits too
            held
        };
        waits.record(start);
        sum = sum.wrapping_add(bytecode(reply_steps(request))); // handle what came back
        drop(held);
    }
    sum
}
// ANCHOR_END: io
