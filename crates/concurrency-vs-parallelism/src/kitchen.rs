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
    /// The cores its threads were allowed on (1 in part two, pinned).
    pub cores: usize,
    /// When it opened: the spans are seconds since then.
    pub opened: Instant,
    pub total: f64,
    pub cakes: [Cake; 2],
}

impl Kitchen {
    /// Closes the kitchen now: its total is the time since it opened. Called on the thread
    /// that started the bakers, whose cores they inherited.
    pub fn new(name: &'static str, opened: Instant, cakes: [Cake; 2]) -> Kitchen {
        Kitchen {
            name,
            cores: thread::available_parallelism().map_or(1, |n| n.get()),
            opened,
            total: opened.elapsed().as_secs_f64(),
            cakes,
        }
    }
    /// The same kitchen, named as part two's: it was baked pinned to one core.
    pub fn on_one_core(self) -> Kitchen {
        let name = match self.name {
            "one baker" => "one baker, 1 core",
            _ => "two bakers, 1 core",
        };
        Kitchen { name, ..self }
    }
    pub fn threads(&self) -> usize {
        if self.cakes[0].thread == self.cakes[1].thread {
            1
        } else {
            2
        }
    }
    /// overlap_s: seconds during which both cakes' mixes were under way at once. Wall time
    /// only: on one core the OS switching between two threads counts too.
    pub fn overlap(&self) -> f64 {
        timeline::overlap(&self.cakes[0].spans, &self.cakes[1].spans, Kind::Mix)
    }
    /// cores_mixing: CPU seconds of mixing per wall second in which any cake was being
    /// mixed: about how many cores were mixing at once (at most 1 on one core or one
    /// thread, up to 2 with two). Measured with the threads' CPU clocks, so it counts only
    /// the time this process really ran: on a busy machine it drops below 1, never above
    /// the cores.
    pub fn cores_mixing(&self) -> f64 {
        let cpu: f64 = self
            .cakes
            .iter()
            .map(|c| timeline::cpu_in(&c.spans, Kind::Mix))
            .sum();
        cpu / (self.mixing() - self.overlap())
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
    println!(
        "Part one bakes them three ways on the {cores} core(s) this process may use; part two\n\
         bakes them again with one baker and with two, pinned to one core (sched_setaffinity).\n"
    );
}

/// Each cake's starting dough; different per cake, the same in every kitchen.
pub fn first_dough(cake: usize) -> u64 {
    0x9E37_79B9_7F4A_7C15 ^ cake as u64
}

pub fn print_totals(kitchens: &[Kitchen]) {
    let baseline = kitchens[0].total;
    println!(
        "{:<18} {:>5} {:>7} {:>8} {:>8} {:>9} {:>12} {:>8}",
        "kitchen",
        "cores",
        "threads",
        "total_s",
        "mixing_s",
        "overlap_s",
        "cores_mixing",
        "speedup"
    );
    for k in kitchens {
        println!(
            "{:<18} {:>5} {:>7} {:>8.3} {:>8.3} {:>9.3} {:>12.2} {:>7.2}x",
            k.name,
            k.cores,
            k.threads(),
            k.total,
            k.mixing(),
            k.overlap(),
            k.cores_mixing(),
            baseline / k.total
        );
    }
    println!(
        "cores: the cores the kitchen's threads were allowed on; mixing_s: both cakes' mixing\n\
         added up; overlap_s: the wall time both cakes' mixes were under way at once (on one\n\
         core, the OS switching between two threads counts too); cores_mixing: CPU seconds of\n\
         mixing per wall second in which any mixing went on, from each thread's CPU clock: the\n\
         cores really mixing at once (near 2: parallel; 1 or less: taking turns); speedup:\n\
         sequential total over this total (the ovens overlap even on one core). The summary\n\
         calls a kitchen's total_s <kitchen>_s (one_baker_1core_s for \"one baker, 1 core\"),\n\
         and its other columns <column>_<kitchen> (cores_mixing_two_bakers)."
    );
    let alone = kitchens[0].cores_mixing();
    if alone < 0.85 {
        let load = load_average().map_or(String::new(), |l| format!(" (load average {l:.1})"));
        println!(
            "Busy machine: one thread mixing alone got {alone:.2} of a core{load}, so every \
             cores_mixing reads low."
        );
    }
    println!();
}

/// The run-queue length averaged over the last minute (Linux's /proc/loadavg).
fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

pub fn print_timelines(kitchens: &[Kitchen], width: u32) {
    // One scale for all, so the rows' lengths compare like the totals.
    let longest = kitchens.iter().map(|k| k.total).fold(0.0, f64::max);
    let cell = longest / f64::from(width);
    println!(
        "Timelines, one character = {:.1} ms: # mixing (CPU work), ~ in the oven, . waiting\n\
         for the baker. The both row: ^ both cakes mixed at the same moment (their two mixes\n\
         got 1.5 cores' worth of CPU or more: parallel), - both mixes under way but taking\n\
         turns at the CPU (less than 1.5 cores' worth: overlapping in time, not parallel).",
        cell * 1e3
    );
    for k in kitchens {
        let [a, b] = &k.cakes;
        println!(
            "\n{} ({} thread(s), {} core(s), {:.3} s)",
            k.name,
            k.threads(),
            k.cores,
            k.total
        );
        println!("  cake 1 |{}|", timeline::row(&a.spans, k.total, cell));
        println!("  cake 2 |{}|", timeline::row(&b.spans, k.total, cell));
        println!(
            "  both   |{}|",
            timeline::both_row(&a.spans, &b.spans, k.total, cell)
        );
    }
    println!();
}

/// Prints what the kitchens showed and returns the summary line. `kitchens`: sequential,
/// one baker, two bakers, then part two's one baker and two bakers on one core; `part_two`
/// is the core they were pinned to, or why part two could not run.
pub fn conclude(
    kitchens: &[Kitchen],
    part_two: &Result<usize, String>,
    steps: u32,
    oven: Duration,
) -> Summary {
    let (sequential, one, two) = (&kitchens[0], &kitchens[1], &kitchens[2]);
    // Both single-thread kitchens had the cores to themselves; averaging them evens out a
    // machine whose speed drifts while the demo runs.
    let alone = (sequential.mixing() + one.mixing()) / 2.0;
    let results_equal = kitchens.iter().all(|k| {
        k.cakes[0].dough == sequential.cakes[0].dough
            && k.cakes[1].dough == sequential.cakes[1].dough
    });
    println!(
        "one baker: one thread, never mixing two cakes at once (overlap_s {:.3}), yet {:.3} s\n\
         \x20 faster than baking one cake after the other: each oven time was spent mixing the\n\
         \x20 other cake.",
        one.overlap(),
        sequential.total - one.total
    );
    let (overlap, worth, stretch) = (two.overlap(), two.cores_mixing(), two.mixing() / alone);
    if worth >= 1.5 {
        println!(
            "two bakers: both cakes were mixed at the same moment for {overlap:.3} s, with {worth:.2}\n\
             \x20 cores' worth of CPU: parallel. Each mix took {stretch:.2}x as long as in the\n\
             \x20 one-thread kitchens."
        );
    } else {
        println!(
            "two bakers: both cakes' mixes were under way at once for {overlap:.3} s, but with only\n\
             \x20 {worth:.2} cores' worth of CPU: mostly the two threads taking turns at one core\n\
             \x20 (overlap in time, not parallel work; the cores were {}). Each mix took\n\
             \x20 {stretch:.2}x as long as in the one-thread kitchens.",
            if two.cores < 2 {
                "one"
            } else {
                "busy elsewhere"
            }
        );
    }
    if let Err(why) = part_two {
        println!("part two (one core) skipped: {why}.");
    }
    if let (Ok(core), [.., one_1, two_1]) = (part_two, kitchens)
        && kitchens.len() == 5
    {
        println!("part two, every thread pinned to core {core}:");
        println!(
            "one baker, 1 core: {:.2}x the speed of sequential ({:.2}x with all cores):\n\
             \x20 concurrency works on one core; it needs something to wait for, not a second core.",
            sequential.total / one_1.total,
            sequential.total / one.total
        );
        println!(
            "two bakers, 1 core: their mixes overlapped in time for {:.3} s with {:.2} cores' worth\n\
             \x20 of CPU, each mix {:.2}x as long: the OS gave the core to each thread in turn.\n\
             \x20 Still concurrency (both cakes under way at once), no parallelism: that needs a\n\
             \x20 second core. Parallelism is a kind of concurrency: two bakers at work on two\n\
             \x20 cores are also both under way at once; on one core only the concurrency is left.",
            two_1.overlap(),
            two_1.cores_mixing(),
            two_1.mixing() / alone
        );
    }
    println!(
        "cakes identical in all {} kitchens: {results_equal}",
        kitchens.len()
    );
    // Only the ovens are deliberate waits: back to back in the sequential kitchen they
    // take 2 x steps x oven; every other kitchen overlaps its two cakes' ovens.
    let ideal_s = (kitchens.len() + 1) as f64 * f64::from(steps) * oven.as_secs_f64();
    println!(
        "ideal_s = {ideal_s:.3} s: the ovens alone, the run's only deliberate waits: 2 x {steps} x \
         {} ms back to back\n  in the sequential kitchen, {steps} x {} ms in each of the {} others \
         (their two cakes' ovens overlap).",
        oven.as_millis(),
        oven.as_millis(),
        kitchens.len() - 1
    );
    let of = |k: Option<&Kitchen>| k.map(|k| (k.total, k.overlap(), k.cores_mixing()));
    Summary {
        cores: sequential.cores,
        totals: [sequential.total, one.total, two.total],
        two_bakers: (two.overlap(), two.cores_mixing()),
        one_core: of(kitchens.get(3)).zip(of(kitchens.get(4))),
        results_equal,
        ideal_s,
    }
}

/// A kitchen's total_s, overlap_s and cores_mixing.
type Figures = (f64, f64, f64);

/// The closing line; `make all`, `make compare` and the tests read it.
pub struct Summary {
    cores: usize,
    /// sequential, one baker, two bakers
    totals: [f64; 3],
    /// two bakers' overlap_s and cores_mixing
    two_bakers: (f64, f64),
    /// part two's one baker and two bakers: total_s, overlap_s, cores_mixing
    one_core: Option<(Figures, Figures)>,
    results_equal: bool,
    ideal_s: f64,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let [sequential, one, two] = self.totals;
        let mut keys = vec![
            ("cores", self.cores.to_string()),
            ("sequential_s", format!("{sequential:.3}")),
            ("one_baker_s", format!("{one:.3}")),
            ("two_bakers_s", format!("{two:.3}")),
            ("overlap_s_two_bakers", format!("{:.3}", self.two_bakers.0)),
            (
                "cores_mixing_two_bakers",
                format!("{:.2}", self.two_bakers.1),
            ),
        ];
        if let Some(((one_s, _, _), (two_s, overlap, worth))) = self.one_core {
            keys.extend([
                ("one_baker_1core_s", format!("{one_s:.3}")),
                ("two_bakers_1core_s", format!("{two_s:.3}")),
                ("overlap_s_two_bakers_1core", format!("{overlap:.3}")),
                ("cores_mixing_two_bakers_1core", format!("{worth:.2}")),
            ]);
        }
        keys.push(("results_equal", self.results_equal.to_string()));
        keys.push(("ideal_s", format!("{:.3}", self.ideal_s)));
        write_summary(f, &keys)
    }
}

/// What `--help` says after the flags: what the figures are.
pub const FIGURES_HELP: &str = "Part one bakes on every core this process may use; part two \
pins one baker and two bakers to one core (Linux's sched_setaffinity). speedup: the sequential \
kitchen's total wall time over this kitchen's (the hidden ovens count as well as any parallel \
mixing). overlap_s: wall seconds both cakes' mixes were under way at once. cores_mixing: CPU \
seconds of mixing, from each thread's CPU clock, per wall second in which any mixing went on: at \
most 1 for one baker or on one core, about 2 for two bakers on two free cores.";
