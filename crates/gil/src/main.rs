//! Rust has no Global Interpreter Lock, so this demo builds one to show what it costs.
//! The emulated GIL is one global lock that a thread must hold while it runs "bytecode"
//! (CPU work, done in slices of CPython's 5 ms switch interval, handing the lock on after
//! each slice), and that it lets go of while it waits for I/O. The same CPU work runs on
//! one thread, on N threads with no lock, and on N threads with the GIL; then I/O work runs
//! on N threads that release the GIL while they wait, and on N that keep holding it.
//!
//! Run it:
//!
//!     cargo run --release -p gil
//!     cargo run --release -p gil -- --threads 4 --work 100 --io-ms 20
//!
//! What to look for: with no lock, N threads finish the CPU work up to N times faster
//! (as many as there are cores); with the GIL they are no faster than one thread, keep
//! one core busy at most, and the timeline shows them taking turns. I/O threads that
//! release the GIL overlap their waits and finish about N times faster; holding the GIL
//! across the wait throws that away.

mod gil;

use std::ops::Range;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use gil::Gil;
use nix::time::{ClockId, clock_gettime};

/// What an emulated Global Interpreter Lock does to CPU threads and to I/O threads.
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

/// The run's parameters, with the defaults that depend on the machine filled in.
struct Settings {
    threads: usize,
    cores: usize,
    iterations: u64,
    switch: Duration,
    io_ops: u64,
    io_wait: Duration,
}

/// One stretch of time a thread spent running bytecode (or waiting for I/O), measured
/// from the start of its run.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: Duration,
    end: Duration,
}

/// What one run on one or more threads measured.
struct Run {
    elapsed: Duration,
    /// CPU time the whole process used during the run, on all its cores together.
    cpu: Duration,
    result: u64,
    spans: Vec<Vec<Span>>,
}

struct CpuFigures {
    one: Run,
    no_lock: Run,
    with_gil: Run,
    most_holders: usize,
    taken: usize,
    overlaps: usize,
}

struct IoFigures {
    one: Run,
    released: Run,
    held: Run,
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
    let settings = Settings {
        threads: args.threads.map_or(cores.max(2), |n| n as usize),
        cores,
        iterations: (args.work * 1e6).round() as u64,
        switch: Duration::from_micros(args.switch_us),
        io_ops: args.io_ops,
        io_wait: Duration::from_millis(args.io_ms),
    };
    println!(
        "gil: {} threads on {} cores; CPU work {} M iterations, switch interval {} us; \
         I/O {} operations of {} ms\n",
        settings.threads, cores, args.work, args.switch_us, args.io_ops, args.io_ms
    );
    let cpu = cpu_bound_work_under_the_gil(&settings)?;
    let io = io_bound_work_releases_the_gil(&settings)?;
    Ok(summary_line(&settings, &cpu, &io))
}

/// The same CPU work on one thread, on N threads with no lock, and on N threads that
/// must hold the GIL to run.
fn cpu_bound_work_under_the_gil(s: &Settings) -> Result<CpuFigures, String> {
    // A little work, untimed, so the first timed run does not pay for a cold start.
    std::hint::black_box(bytecode(0..s.iterations / 20));
    let one = on_threads(1, |_, t0| run_bytecode(0..s.iterations, None, s.switch, t0))?;
    let no_lock = on_threads(s.threads, |k, t0| {
        run_bytecode(share(s.iterations, s.threads, k), None, s.switch, t0)
    })?;
    let gil = Gil::new();
    let with_gil = on_threads(s.threads, |k, t0| {
        run_bytecode(share(s.iterations, s.threads, k), Some(&gil), s.switch, t0)
    })?;
    let overlaps = overlapping_spans(&with_gil.spans);

    println!("CPU-bound work, the same total shared among the threads");
    print_table(&[
        ("1 thread", &one, &one),
        (&format!("{} threads, no lock", s.threads), &no_lock, &one),
        (
            &format!("{} threads, emulated GIL", s.threads),
            &with_gil,
            &one,
        ),
    ]);
    print_timeline("no lock: when each thread was at work", &no_lock);
    print_timeline("emulated GIL: who held the GIL when", &with_gil);
    println!(
        "  the GIL was taken {} times; at most {} thread held it at once; \
         {overlaps} slices began before another had ended\n",
        gil.acquisitions(),
        gil.most_holders()
    );
    Ok(CpuFigures {
        one,
        no_lock,
        with_gil,
        most_holders: gil.most_holders(),
        taken: gil.acquisitions(),
        overlaps,
    })
}

/// I/O operations (a little bytecode, then a wait) on one thread, on N threads that
/// release the GIL while they wait, and on N threads that keep holding it.
fn io_bound_work_releases_the_gil(s: &Settings) -> Result<IoFigures, String> {
    let io = |threads: usize, release: bool| {
        let gil = Gil::new();
        on_threads(threads, |k, t0| {
            run_io(share(s.io_ops, threads, k), &gil, release, s.io_wait, t0)
        })
    };
    let one = io(1, true)?;
    let released = io(s.threads, true)?;
    let held = io(s.threads, false)?;

    println!("I/O-bound work, the same operations shared among the threads");
    print_table(&[
        ("1 thread", &one, &one),
        (
            &format!("{} threads, GIL released in I/O", s.threads),
            &released,
            &one,
        ),
        (
            &format!("{} threads, GIL held in I/O", s.threads),
            &held,
            &one,
        ),
    ]);
    println!(
        "  waiting at once: at most {} threads with the GIL released, {} with it held\n",
        most_at_once(&released.spans),
        most_at_once(&held.spans)
    );
    Ok(IoFigures {
        one,
        released,
        held,
    })
}

/// Runs `work` on `n` named threads; each returns its result and the spans it was busy.
fn on_threads<F>(n: usize, work: F) -> Result<Run, String>
where
    F: Fn(usize, Instant) -> (u64, Vec<Span>) + Sync,
{
    let cpu_before = process_cpu_time()?;
    let t0 = Instant::now();
    let outcomes = thread::scope(|scope| {
        let mut handles = Vec::with_capacity(n);
        for k in 0..n {
            let work = &work;
            let spawned = thread::Builder::new()
                .name(format!("worker-{k}"))
                .spawn_scoped(scope, move || work(k, t0));
            match spawned {
                Ok(handle) => handles.push(handle),
                // The threads already started finish when the scope ends.
                Err(e) => {
                    return Err(format!(
                        "could not start thread {k}: {e}; try fewer --threads"
                    ));
                }
            }
        }
        let joined: Result<Vec<_>, _> = handles.into_iter().map(|h| h.join()).collect();
        joined.map_err(|_| "a worker thread panicked; this is a bug in the demo".to_string())
    })?;
    let elapsed = t0.elapsed();
    let cpu = process_cpu_time()?.saturating_sub(cpu_before);
    let result = outcomes
        .iter()
        .fold(0u64, |acc, (r, _)| acc.wrapping_add(*r));
    let spans = outcomes.into_iter().map(|(_, spans)| spans).collect();
    Ok(Run {
        elapsed,
        cpu,
        result,
        spans,
    })
}

/// CPU time used so far by all the threads of this process. Divided by the wall time of
/// a run, it says how many cores were busy on average: the GIL holds it to one.
fn process_cpu_time() -> Result<Duration, String> {
    clock_gettime(ClockId::CLOCK_PROCESS_CPUTIME_ID)
        .map(Duration::from)
        .map_err(|e| format!("could not read the process CPU clock: {e}; is this Linux or macOS?"))
}

fn cores_busy(run: &Run) -> f64 {
    run.cpu.as_secs_f64() / run.elapsed.as_secs_f64().max(1e-9)
}

/// The part of `0..total` that thread `k` of `n` takes.
fn share(total: u64, n: usize, k: usize) -> Range<u64> {
    let at = |i: usize| (total as u128 * i as u128 / n as u128) as u64;
    at(k)..at(k + 1)
}

/// Iterations between two looks at the clock: small against a switch interval.
const CHUNK: u64 = 4096;

/// Runs the bytecode for `work` in slices of one switch interval. With a GIL, a slice
/// runs only while holding it, as in CPython, and the lock is handed on after each one.
fn run_bytecode(
    work: Range<u64>,
    gil: Option<&Gil>,
    switch: Duration,
    t0: Instant,
) -> (u64, Vec<Span>) {
    let mut sum = 0u64;
    let mut spans = Vec::new();
    let mut next = work.start;
    while next < work.end {
        let held = gil.map(Gil::acquire);
        let start = Instant::now();
        while next < work.end && start.elapsed() < switch {
            let end = work.end.min(next + CHUNK);
            sum = sum.wrapping_add(bytecode(next..end));
            next = end;
        }
        spans.push(Span {
            start: start - t0,
            end: t0.elapsed(),
        });
        drop(held);
    }
    (sum, spans)
}

/// The CPU work: a wrapping sum of a 64-bit hash of each number. It has no closed form
/// the compiler could use instead of the loop, and any split of the range gives the
/// same total, so every run can be checked against the others.
fn bytecode(range: Range<u64>) -> u64 {
    range.fold(0u64, |acc, i| acc.wrapping_add(mix(i)))
}

/// SplitMix64's finaliser: a cheap hash whose output looks random.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Bytecode run to build each request and again to handle each reply.
const REQUEST_WORK: u64 = 2_000;

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
    let mut sum = 0u64;
    let mut waits = Vec::new();
    for op in ops {
        let held = gil.acquire();
        let request = bytecode(op * REQUEST_WORK..(op + 1) * REQUEST_WORK);
        let start = t0.elapsed();
        let held = if release {
            drop(held);
            thread::sleep(wait);
            gil.acquire()
        } else {
            thread::sleep(wait);
            held
        };
        waits.push(Span {
            start,
            end: t0.elapsed(),
        });
        sum = sum.wrapping_add(bytecode(request..request + REQUEST_WORK));
        drop(held);
    }
    (sum, waits)
}

/// Spans, from any threads, that began before an earlier one had ended.
fn overlapping_spans(spans: &[Vec<Span>]) -> usize {
    let mut all: Vec<Span> = spans.iter().flatten().copied().collect();
    all.sort_by_key(|s| s.start);
    let mut latest_end = Duration::ZERO;
    let mut overlaps = 0;
    for span in all {
        if span.start < latest_end {
            overlaps += 1;
        }
        latest_end = latest_end.max(span.end);
    }
    overlaps
}

/// The largest number of threads inside a span at the same moment.
fn most_at_once(spans: &[Vec<Span>]) -> usize {
    let mut events: Vec<(Duration, i32)> = spans
        .iter()
        .flatten()
        .flat_map(|s| [(s.start, 1), (s.end, -1)])
        .collect();
    // At equal times, count an end before a start: touching spans do not overlap.
    events.sort();
    let (mut now, mut most) = (0i32, 0i32);
    for (_, step) in events {
        now += step;
        most = most.max(now);
    }
    most as usize
}

fn print_table(rows: &[(&str, &Run, &Run)]) {
    println!(
        "  {:<36} {:>8} {:>8} {:>11}  result",
        "run", "seconds", "speedup", "cores busy"
    );
    for (name, run, baseline) in rows {
        let result = if std::ptr::eq(*run, *baseline) {
            format!("{:#018x}", run.result)
        } else if run.result == baseline.result {
            "same".to_string()
        } else {
            "DIFFERENT".to_string()
        };
        println!(
            "  {:<36} {:>8.3} {:>7.2}x {:>11.2}  {}",
            name,
            run.elapsed.as_secs_f64(),
            speedup(baseline, run),
            cores_busy(run),
            result
        );
    }
    println!();
}

/// One row per thread, time along the line: '#' busy for most of that column, '+' for
/// part of it, '.' for a sliver, blank for none of it.
fn print_timeline(title: &str, run: &Run) {
    const WIDTH: usize = 60;
    let column = run.elapsed.as_secs_f64() / WIDTH as f64;
    println!("  {title} (one column = {:.1} ms)", column * 1e3);
    for (k, spans) in run.spans.iter().enumerate() {
        let mut busy = [0.0f64; WIDTH];
        for span in spans {
            let (a, b) = (span.start.as_secs_f64(), span.end.as_secs_f64());
            let first = ((a / column) as usize).min(WIDTH - 1);
            let last = ((b / column) as usize).min(WIDTH - 1);
            for (c, share) in busy.iter_mut().enumerate().take(last + 1).skip(first) {
                let (lo, hi) = (c as f64 * column, (c + 1) as f64 * column);
                *share += (b.min(hi) - a.max(lo)).max(0.0) / column;
            }
        }
        let row: String = busy
            .iter()
            .map(|&f| match f {
                f if f >= 0.75 => '#',
                f if f >= 0.25 => '+',
                f if f > 0.0 => '.',
                _ => ' ',
            })
            .collect();
        let total: f64 = spans.iter().map(|s| (s.end - s.start).as_secs_f64()).sum();
        println!(
            "    thread {k:<2} |{row}| {:>3.0}% of the time",
            100.0 * total / run.elapsed.as_secs_f64()
        );
    }
}

fn speedup(baseline: &Run, run: &Run) -> f64 {
    baseline.elapsed.as_secs_f64() / run.elapsed.as_secs_f64().max(1e-9)
}

fn summary_line(s: &Settings, cpu: &CpuFigures, io: &IoFigures) -> String {
    let secs = |r: &Run| r.elapsed.as_secs_f64();
    let results_equal = cpu.no_lock.result == cpu.one.result
        && cpu.with_gil.result == cpu.one.result
        && io.released.result == io.one.result
        && io.held.result == io.one.result;
    // The only deliberate waits are the I/O sleeps: all of them on one thread, then the
    // largest share one thread gets in each N-thread run.
    let per_thread = s.io_ops.div_ceil(s.threads as u64);
    let waits = s.io_ops + 2 * per_thread;
    let ideal = s.io_wait.as_secs_f64() * waits as f64;
    format!(
        "summary: threads={} cores={} cpu_1_s={:.3} cpu_n_s={:.3} cpu_n_gil_s={:.3} \
         io_1_s={:.3} io_n_gil_s={:.3} io_n_held_s={:.3} speedup_nogil={:.2} \
         speedup_gil={:.2} speedup_io={:.2} speedup_io_held={:.2} busy_1={:.2} busy_nogil={:.2} \
         busy_gil={:.2} gil_most_holders={} \
         gil_taken={} gil_overlaps={} io_most_waiting={} results_equal={results_equal} ideal_s={ideal:.3}",
        s.threads,
        s.cores,
        secs(&cpu.one),
        secs(&cpu.no_lock),
        secs(&cpu.with_gil),
        secs(&io.one),
        secs(&io.released),
        secs(&io.held),
        speedup(&cpu.one, &cpu.no_lock),
        speedup(&cpu.one, &cpu.with_gil),
        speedup(&io.one, &io.released),
        speedup(&io.one, &io.held),
        cores_busy(&cpu.one),
        cores_busy(&cpu.no_lock),
        cores_busy(&cpu.with_gil),
        cpu.most_holders,
        cpu.taken,
        cpu.overlaps,
        most_at_once(&io.released.spans),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_cover_the_range_exactly() {
        for n in 1..9 {
            let parts: Vec<_> = (0..n).map(|k| share(1000, n, k)).collect();
            assert_eq!(parts[0].start, 0);
            assert_eq!(parts[n - 1].end, 1000);
            assert!(parts.windows(2).all(|w| w[0].end == w[1].start));
        }
    }

    #[test]
    fn any_split_of_the_bytecode_gives_the_same_total() {
        let whole = bytecode(0..100_000);
        let split = (0..7).fold(0u64, |acc, k| {
            acc.wrapping_add(bytecode(share(100_000, 7, k)))
        });
        assert_eq!(whole, split);
    }

    #[test]
    fn overlap_counting() {
        let ms = Duration::from_millis;
        let span = |a, b| Span {
            start: ms(a),
            end: ms(b),
        };
        let turns = vec![vec![span(0, 5), span(10, 15)], vec![span(5, 10)]];
        assert_eq!(overlapping_spans(&turns), 0);
        assert_eq!(most_at_once(&turns), 1);
        let together = vec![vec![span(0, 10)], vec![span(2, 8)], vec![span(9, 12)]];
        assert_eq!(overlapping_spans(&together), 2);
        assert_eq!(most_at_once(&together), 2);
    }
}
