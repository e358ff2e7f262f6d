//! The harness's output: the first line, the tables, the timelines, the counts that prove
//! the lock by structure, and the closing summary line.

use std::fmt;
use std::time::Duration;

use crate::Args;
use crate::gil::Gil;
use crate::machine::{self, Share};
use crate::output::write_summary;
use crate::threads::{Run, Span};

/// The run's first line: its threads, cores and sizes.
pub fn print_plan(args: &Args, threads: usize, cores: usize) {
    println!(
        "gil: {} on {}; CPU work {} M iterations, switch interval {} us; \
         I/O {} operations of {} ms\n",
        count(threads, "thread"),
        count(cores, "core"),
        args.work,
        args.switch_us,
        args.io_ops,
        args.io_ms
    );
}

/// "1 core", "2 cores": a one-core machine (or `taskset -c 0`) is a case the demo is for.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The CPU-bound runs: one thread, N without a lock, N with the GIL, N in native code,
/// N processes with a GIL each.
pub struct CpuFigures {
    pub one: Run,
    pub no_lock: Run,
    pub with_gil: Run,
    pub native: Run,
    pub processes: Run,
    /// The most threads that held the GIL at once, how often it was taken, and how many
    /// recorded slices began before another had ended (with the GIL: 1, many, 0).
    pub most_holders: usize,
    pub taken: usize,
    pub overlaps: usize,
    /// How often the native-code threads took the GIL (around each call only).
    pub native_taken: usize,
}

impl CpuFigures {
    /// The five runs, in that order, and the counts the two locks kept.
    pub fn new(runs: [Run; 5], gil: &Gil, native_gil: &Gil) -> Self {
        let [one, no_lock, with_gil, native, processes] = runs;
        CpuFigures {
            most_holders: gil.most_holders(),
            taken: gil.acquisitions(),
            overlaps: overlapping_spans(&with_gil.spans),
            native_taken: native_gil.acquisitions(),
            one,
            no_lock,
            with_gil,
            native,
            processes,
        }
    }
}

/// The I/O-bound runs: one thread, N that release the GIL around the wait, N that don't.
pub struct IoFigures {
    pub one: Run,
    pub released: Run,
    pub held: Run,
}

/// The CPU runs' table, their timelines, and the counts that prove the lock.
pub fn print_cpu_runs(n: usize, cpu: &CpuFigures) {
    println!("CPU-bound work, the same total shared among the threads");
    print_table(
        &[
            ("1 thread", &cpu.one),
            (&format!("{n} threads, no lock"), &cpu.no_lock),
            (&format!("{n} threads, emulated GIL"), &cpu.with_gil),
            (&format!("{n} threads, native code, GIL off"), &cpu.native),
            (&format!("{n} processes, a GIL each"), &cpu.processes),
        ],
        cpu_speedup,
    );
    println!(
        "  speedup: the 1-thread run's {:.3} s of CPU time over each run's seconds\n  \
         busy: the run's CPU seconds (all its threads, or all its processes) over its wall\n  \
         seconds, the cores it kept busy on average (the summary's busy_gil is the GIL row's)",
        cpu.one.cpu.as_secs_f64()
    );
    let could = |run: &Run| run.spans.len().min(cores()) as f64;
    let shares = [
        ("1 thread", &cpu.one),
        ("no lock", &cpu.no_lock),
        ("native code", &cpu.native),
        ("processes", &cpu.processes),
    ]
    .map(|(run, r)| Share {
        run,
        got: cores_busy(r),
        could: could(r),
    });
    if let Some(note) = machine::note(cores(), &shares) {
        println!("  {note}");
    }
    println!();
    print_timeline("no lock: when each thread was at work", &cpu.no_lock);
    print_timeline("emulated GIL: who held the GIL when", &cpu.with_gil);
    print_timeline(
        "native code: when each thread ran it, GIL released",
        &cpu.native,
    );
    print_timeline("processes: when each held its own GIL", &cpu.processes);
    println!(
        "  the GIL was taken {} times; at most {} thread held it at once; \
         {} slices began before another had ended",
        cpu.taken, cpu.most_holders, cpu.overlaps
    );
    println!(
        "  native code: {} threads ran it at once; they took the GIL {} times, around each call",
        most_at_once(&cpu.native.spans),
        cpu.native_taken
    );
    println!(
        "  processes: {} ran bytecode at once, each holding the GIL of its own process\n",
        most_at_once(&cpu.processes.spans)
    );
}

/// The I/O runs' table and how many threads waited at once.
pub fn print_io_runs(n: usize, io: &IoFigures) {
    println!("I/O-bound work, the same operations shared among the threads");
    print_table(
        &[
            ("1 thread", &io.one),
            (&format!("{n} threads, GIL released in I/O"), &io.released),
            (&format!("{n} threads, GIL held in I/O"), &io.held),
        ],
        wall_speedup,
    );
    println!(
        "\n  waiting at once: at most {} threads with the GIL released, {} with it held\n",
        most_at_once(&io.released.spans),
        most_at_once(&io.held.spans)
    );
}

/// The cores this process may run on (taskset narrows them).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// CPU time over wall time: how many cores the run kept busy on average.
pub fn cores_busy(run: &Run) -> f64 {
    run.cpu.as_secs_f64() / run.elapsed.as_secs_f64().max(1e-9)
}

/// A CPU run's speedup: the 1-thread run's CPU time over this run's wall time. Against
/// CPU time, not wall time: other programs can stretch a wall time, and N threads get N
/// shares of a contended core, which would pass for parallelism. On one core it is at
/// most about 1; on an idle machine it is the usual wall-over-wall ratio.
pub fn cpu_speedup(one: &Run, run: &Run) -> f64 {
    one.cpu.as_secs_f64() / run.elapsed.as_secs_f64().max(1e-9)
}

/// An I/O run's speedup: wall time over wall time (the waits use no CPU).
pub fn wall_speedup(one: &Run, run: &Run) -> f64 {
    one.elapsed.as_secs_f64() / run.elapsed.as_secs_f64().max(1e-9)
}

/// Prints the runs, each with its speedup against `rows[0]`, and whether its result
/// equals the first row's.
pub fn print_table(rows: &[(&str, &Run)], speedup: fn(&Run, &Run) -> f64) {
    println!(
        "  {:<36} {:>8} {:>8} {:>11}  result",
        "run", "seconds", "speedup", "busy"
    );
    let baseline = rows[0].1;
    for (k, (name, run)) in rows.iter().enumerate() {
        let result = if k == 0 {
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
}

/// One row per thread, time along the line: '#' busy for most of that column, '+' for
/// part of it, '.' for a sliver, blank for none of it.
pub fn print_timeline(title: &str, run: &Run) {
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
        let noun = if title.starts_with("processes") {
            "process"
        } else {
            "thread"
        };
        println!(
            "    {noun} {k:<2} |{row}| {:>3.0}% of the time",
            100.0 * total / run.elapsed.as_secs_f64()
        );
    }
}

/// Spans, from any threads, that began before an earlier one had ended.
pub fn overlapping_spans(spans: &[Vec<Span>]) -> usize {
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
pub fn most_at_once(spans: &[Vec<Span>]) -> usize {
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

/// What the run measured, printed last as the `summary:` line.
pub struct Summary {
    pub threads: usize,
    pub cores: usize,
    pub cpu: CpuFigures,
    pub io: IoFigures,
    /// The sleeps the I/O runs cannot avoid, in seconds.
    pub ideal_s: f64,
}

impl Summary {
    pub fn new(
        threads: usize,
        cores: usize,
        cpu: CpuFigures,
        io: IoFigures,
        ops: u64,
        wait: Duration,
    ) -> Self {
        // The only deliberate waits are the I/O sleeps: all of them on one thread, then the
        // largest share one thread gets in each of the two N-thread runs.
        let waits = ops + 2 * ops.div_ceil(threads as u64);
        let ideal_s = wait.as_secs_f64() * waits as f64;
        Summary {
            threads,
            cores,
            cpu,
            io,
            ideal_s,
        }
    }
}

/// What `ideal_s` is for this demo, said once.
pub fn explain_ideal(summary: &Summary, ops: u64, wait: Duration) {
    let per_thread = ops.div_ceil(summary.threads as u64);
    println!(
        "ideal_s = {:.3} s: the deliberate waits alone, the I/O sleeps: {ops} x {} ms on one \
         thread, then {per_thread} x {} ms in each N-thread run (CPU work has none)\n",
        summary.ideal_s,
        wait.as_millis(),
        wait.as_millis()
    );
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (cpu, io) = (&self.cpu, &self.io);
        let results_equal = [&cpu.no_lock, &cpu.with_gil, &cpu.native, &cpu.processes]
            .iter()
            .all(|r| r.result == cpu.one.result)
            && io.released.result == io.one.result
            && io.held.result == io.one.result;
        let secs = |r: &Run| format!("{:.3}", r.elapsed.as_secs_f64());
        let ratio = |x: f64| format!("{x:.2}");
        write_summary(
            f,
            &[
                ("threads", self.threads.to_string()),
                ("cores", self.cores.to_string()),
                ("speedup_nogil", ratio(cpu_speedup(&cpu.one, &cpu.no_lock))),
                ("speedup_gil", ratio(cpu_speedup(&cpu.one, &cpu.with_gil))),
                ("speedup_native", ratio(cpu_speedup(&cpu.one, &cpu.native))),
                (
                    "speedup_procs",
                    ratio(cpu_speedup(&cpu.one, &cpu.processes)),
                ),
                ("speedup_io", ratio(wall_speedup(&io.one, &io.released))),
                ("speedup_io_held", ratio(wall_speedup(&io.one, &io.held))),
                ("busy_gil", ratio(cores_busy(&cpu.with_gil))),
                ("gil_most_holders", cpu.most_holders.to_string()),
                ("gil_taken", cpu.taken.to_string()),
                ("gil_overlaps", cpu.overlaps.to_string()),
                (
                    "native_most_running",
                    most_at_once(&cpu.native.spans).to_string(),
                ),
                (
                    "io_most_waiting",
                    most_at_once(&io.released.spans).to_string(),
                ),
                ("io_1_s", secs(&io.one)),
                ("io_n_held_s", secs(&io.held)),
                ("results_equal", results_equal.to_string()),
                ("ideal_s", format!("{:.3}", self.ideal_s)),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
