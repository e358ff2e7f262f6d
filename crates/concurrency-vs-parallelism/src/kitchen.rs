//! The harness: each baker's notebook (what was done when, and with how much CPU), the
//! kitchens' figures, the tables, the conclusions and the summary line. The baking itself
//! is in main.rs; the timeline arithmetic and drawing in timeline.rs.

use std::fmt;
use std::hint::black_box;
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use anyhow::Context;
use nix::time::ClockId;

use crate::output::write_summary;
use crate::timeline::{self, Kind, Span};

/// One cake as it came out: what it did when, on which thread, and its checkable result.
pub struct Cake {
    pub spans: Vec<Span>,
    dough: u64,
    thread: ThreadId,
}

/// What a baker writes down while baking one cake: each mixing with its wall-clock span
/// and the CPU seconds the baker's thread spent on it, and each stay in the oven.
pub struct Notebook {
    opened: Instant,
    spans: Vec<Span>,
}

impl Notebook {
    pub fn new(opened: Instant) -> Notebook {
        Notebook {
            opened,
            spans: Vec::new(),
        }
    }

    /// Seconds since the kitchen opened.
    pub fn now(&self) -> f64 {
        self.opened.elapsed().as_secs_f64()
    }

    /// Runs `work` (the mixing) and writes down when, and how much CPU it took.
    pub fn mixing<T>(&mut self, work: impl FnOnce() -> T) -> T {
        let (start, cpu_before) = (self.now(), thread_cpu_s());
        let out = work();
        let (end, cpu) = (self.now(), thread_cpu_s() - cpu_before);
        self.spans.push(Span {
            kind: Kind::Mix,
            start,
            end,
            cpu,
        });
        out
    }

    /// Writes down a stay in the oven that began at `start` and ends now.
    pub fn oven_since(&mut self, start: f64) {
        let end = self.now();
        self.spans.push(Span {
            kind: Kind::Oven,
            start,
            end,
            cpu: 0.0,
        });
    }

    /// The finished cake, with the notes and the thread that baked it.
    pub fn cake(self, dough: u64) -> Cake {
        Cake {
            spans: self.spans,
            dough,
            thread: thread::current().id(),
        }
    }
}

/// One way of baking both cakes.
pub struct Kitchen {
    pub name: &'static str,
    /// When it opened: the spans are seconds since then.
    pub opened: Instant,
    pub total: f64,
    pub cakes: [Cake; 2],
}

impl Kitchen {
    /// Closes the kitchen now: its total is the time since it opened.
    pub fn new(name: &'static str, opened: Instant, cakes: [Cake; 2]) -> Kitchen {
        Kitchen {
            name,
            opened,
            total: opened.elapsed().as_secs_f64(),
            cakes,
        }
    }
    pub fn threads(&self) -> usize {
        if self.cakes[0].thread == self.cakes[1].thread {
            1
        } else {
            2
        }
    }
    fn mixing_at_once(&self) -> f64 {
        timeline::overlap(&self.cakes[0].spans, &self.cakes[1].spans, Kind::Mix)
    }
    /// CPU seconds of mixing per wall second in which any cake was being mixed: about how
    /// many cores were mixing at once (at most 1 on one core or one thread, up to 2 with
    /// two). Measured with the threads' CPU clocks, so it counts only the time this
    /// process really ran: on a busy machine it drops below 1, never above the cores.
    fn mixing_parallelism(&self) -> f64 {
        let cpu: f64 = self
            .cakes
            .iter()
            .map(|c| timeline::cpu_in(&c.spans, Kind::Mix))
            .sum();
        cpu / (self.mixing() - self.mixing_at_once())
    }
    fn mixing(&self) -> f64 {
        self.cakes
            .iter()
            .map(|c| timeline::time_in(&c.spans, Kind::Mix))
            .sum()
    }
}

/// Seconds of CPU this thread has used. `strokes_per_ms` has already read this clock
/// successfully; should it fail later, NaN shows up in the output instead of a made-up 0.
fn thread_cpu_s() -> f64 {
    ClockId::CLOCK_THREAD_CPUTIME_ID
        .now()
        .map_or(f64::NAN, |t| Duration::from(t).as_secs_f64())
}

/// Strokes of `mix` per millisecond of CPU, so `--work-ms` means milliseconds of CPU work.
/// The rate is taken from this thread's own CPU clock, not the wall clock, so a busy
/// machine that preempts us while we measure does not skew it. After this the count is
/// fixed: a baker who has to share a core takes longer over the same mix.
pub fn strokes_per_ms(mix: impl Fn(u64) -> u64) -> anyhow::Result<u64> {
    let cpu_ms = || {
        ClockId::CLOCK_THREAD_CPUTIME_ID
            .now()
            .map(|t| Duration::from(t).as_secs_f64() * 1e3)
            .context("cannot read this thread's CPU clock; run on Linux or macOS")
    };
    black_box(mix(1_000_000)); // wake the core up before timing it
    let start = cpu_ms()?;
    let mut strokes = 0u64;
    while cpu_ms()? - start < 50.0 {
        black_box(mix(20_000));
        strokes += 20_000;
    }
    Ok(((strokes as f64 / (cpu_ms()? - start)) as u64).max(1))
}

pub fn header(args: &crate::Args, strokes: u64, cores: usize) {
    let (steps, work_ms, oven_ms) = (args.steps, args.work_ms, args.oven_ms);
    println!(
        "Two cakes, {steps} steps each: mix {work_ms} ms ({strokes} strokes of arithmetic), \
         then {oven_ms} ms in the oven."
    );
    println!("This process may use {cores} core(s).\n");
}

/// Each cake's starting dough; different per cake, the same in every kitchen.
pub fn first_dough(cake: usize) -> u64 {
    0x9E37_79B9_7F4A_7C15 ^ cake as u64
}

pub fn print_totals(kitchens: &[Kitchen]) {
    let baseline = kitchens[0].total;
    println!(
        "{:<12} {:>7} {:>9} {:>9} {:>14} {:>12} {:>8}",
        "kitchen", "threads", "total_s", "mixing_s", "both_mixing_s", "cores_mixing", "speedup"
    );
    for k in kitchens {
        println!(
            "{:<12} {:>7} {:>9.3} {:>9.3} {:>14.3} {:>12.2} {:>7.2}x",
            k.name,
            k.threads(),
            k.total,
            k.mixing(),
            k.mixing_at_once(),
            k.mixing_parallelism(),
            baseline / k.total
        );
    }
    println!(
        "mixing_s: both cakes' mixing added up; both_mixing_s: the time both were being mixed at\n\
         once; cores_mixing: CPU seconds of mixing per second in which any mixing went on;\n\
         speedup: sequential total over this total (the ovens overlap even on one core).\n"
    );
}

pub fn print_timelines(kitchens: &[Kitchen], width: u32) {
    // One scale for all three, so the rows' lengths compare like the totals.
    let longest = kitchens.iter().map(|k| k.total).fold(0.0, f64::max);
    let cell = longest / f64::from(width);
    println!(
        "Timelines, one character = {:.1} ms: # mixing (CPU work), ~ in the oven, . waiting\n\
         for the baker, ^ both cakes being mixed at once.",
        cell * 1e3
    );
    for k in kitchens {
        let [a, b] = &k.cakes;
        println!("\n{} ({} thread(s), {:.3} s)", k.name, k.threads(), k.total);
        println!("  cake 1 |{}|", timeline::row(&a.spans, k.total, cell));
        println!("  cake 2 |{}|", timeline::row(&b.spans, k.total, cell));
        println!(
            "  both   |{}|",
            timeline::both_row(&a.spans, &b.spans, k.total, cell)
        );
    }
    println!();
}

/// Prints what the three kitchens showed and returns the summary line.
pub fn conclude(kitchens: &[Kitchen; 3], cores: usize, steps: u32, oven: Duration) -> Summary {
    let [sequential, one, two] = kitchens;
    // Both single-thread kitchens had the cores to themselves; averaging them evens out a
    // machine whose speed drifts while the demo runs.
    let stretch = two.mixing() / ((sequential.mixing() + one.mixing()) / 2.0);
    let results_equal = kitchens.iter().all(|k| {
        k.cakes[0].dough == sequential.cakes[0].dough
            && k.cakes[1].dough == sequential.cakes[1].dough
    });
    println!(
        "one baker: one thread, never mixing two cakes at once ({:.3} s), yet {:.3} s faster than\n\
         \x20 baking one cake after the other: each oven time was spent mixing the other cake.",
        one.mixing_at_once(),
        sequential.total - one.total
    );
    println!(
        "two bakers: both cakes were being mixed at once for {:.3} s, with {:.2} cores' worth of\n\
         \x20 CPU; each mix took {stretch:.2}x as long as in the one-thread kitchens.",
        two.mixing_at_once(),
        two.mixing_parallelism()
    );
    if cores == 1 {
        println!(
            "  With one core the two bakers take turns at it: mixing stretches, so two bakers gain\n\
             \x20 nothing over one on the work parts."
        );
    }
    println!("cakes identical in all three kitchens: {results_equal}");
    Summary {
        cores,
        totals: [sequential.total, one.total, two.total],
        overlap: [one.mixing_at_once(), two.mixing_at_once()],
        parallelism: [one.mixing_parallelism(), two.mixing_parallelism()],
        threads: [one.threads(), two.threads()],
        stretch,
        results_equal,
        // Only the ovens are deliberate waits: back to back they take 2 x steps x oven; one
        // baker and two bakers can each overlap the two cakes' ovens, so steps x oven each.
        ideal_s: 4.0 * f64::from(steps) * oven.as_secs_f64(),
    }
}

/// The closing line; `make all`, `make compare` and the tests read it.
pub struct Summary {
    cores: usize,
    /// sequential, one baker, two bakers
    totals: [f64; 3],
    /// one baker, two bakers (also below)
    overlap: [f64; 2],
    parallelism: [f64; 2],
    threads: [usize; 2],
    stretch: f64,
    results_equal: bool,
    ideal_s: f64,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let [sequential, one, two] = self.totals;
        write_summary(
            f,
            &[
                ("cores", self.cores.to_string()),
                ("sequential_s", format!("{sequential:.3}")),
                ("one_baker_s", format!("{one:.3}")),
                ("two_bakers_s", format!("{two:.3}")),
                ("work_overlap_two_bakers", format!("{:.3}", self.overlap[1])),
                ("work_overlap_one_baker", format!("{:.3}", self.overlap[0])),
                ("work_stretch_two_bakers", format!("{:.2}", self.stretch)),
                ("one_baker_threads", self.threads[0].to_string()),
                ("two_bakers_threads", self.threads[1].to_string()),
                ("results_equal", self.results_equal.to_string()),
                (
                    "mixing_parallelism_one_baker",
                    format!("{:.2}", self.parallelism[0]),
                ),
                (
                    "mixing_parallelism_two_bakers",
                    format!("{:.2}", self.parallelism[1]),
                ),
                ("ideal_s", format!("{:.3}", self.ideal_s)),
            ],
        )
    }
}

/// What `--help` says after the flags: what the figures are.
pub const FIGURES_HELP: &str = "speedup: the sequential kitchen's total wall time over this \
kitchen's (the hidden ovens count as well as any parallel mixing). cores_mixing \
(mixing_parallelism_* in the summary): CPU seconds of mixing, from each thread's CPU clock, \
per wall second in which any mixing went on: at most 1 for one baker, about 2 for two bakers \
on two free cores, at most about 1 on one core (taskset -c 0).";
