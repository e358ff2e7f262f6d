//! Concurrency vs parallelism, as two cakes. Each cake takes a few steps of mixing (real CPU
//! work on the baker's thread) and then time in the oven (a sleep: nobody has to watch it).
//! One baker bakes both cakes on one thread and turns to the other cake whenever one goes
//! into the oven: that is concurrency. Two bakers each bake a cake on a thread of their own,
//! so both cakes can be mixed at the same moment: that is parallelism. Baking one cake after
//! the other is the baseline.
//!
//! Run it:
//!
//!     cargo run --release -p concurrency-vs-parallelism
//!     cargo run --release -p concurrency-vs-parallelism -- --work-ms 50 --oven-ms 300 --steps 4
//!     taskset -c 0 cargo run --release -p concurrency-vs-parallelism    (Linux: one core)
//!
//! What to look for: one baker's `#` (mixing) never stand above each other, they fill the
//! other cake's `~` (oven); two bakers' `#` do stand above each other (`^` in the `both`
//! row), and `cores_mixing` is near 2. On one core the two bakers still overlap in time, but
//! each mix takes twice as long and `cores_mixing` stays at 1.

mod timeline;

use std::hint::black_box;
use std::process::ExitCode;
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use clap::Parser;
use nix::time::ClockId;
use timeline::{Kind, Span};

/// Two cakes baked one after the other, by one baker (one thread, switching at the oven)
/// and by two bakers (two threads).
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Milliseconds of mixing (CPU work, calibrated on this machine) in each step.
    #[arg(long, default_value_t = 150, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    work_ms: u64,
    /// Milliseconds in the oven (a sleep) after each mixing.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    oven_ms: u64,
    /// Steps (mix, then oven) per cake.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=50))]
    steps: u32,
    /// Width of the timelines, in characters.
    #[arg(long, default_value_t = 72, value_parser = clap::value_parser!(u32).range(20..=400))]
    width: u32,
}

/// What every cake needs; the same for both cakes in every kitchen.
#[derive(Clone, Copy)]
struct Recipe {
    steps: u32,
    strokes_per_mix: u64,
    oven: Duration,
}

/// One cake as it came out: what it did when, on which thread, and its checkable result.
struct Cake {
    spans: Vec<Span>,
    dough: u64,
    thread: ThreadId,
}

/// One way of baking both cakes.
struct Kitchen {
    name: &'static str,
    total: f64,
    cakes: [Cake; 2],
}

impl Kitchen {
    fn threads(&self) -> usize {
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
    /// many cores were mixing at once (1 on one core or one thread, up to 2 with two).
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
    let recipe = Recipe {
        steps: args.steps,
        strokes_per_mix: strokes_per_ms()? * args.work_ms,
        oven: Duration::from_millis(args.oven_ms),
    };
    println!(
        "Two cakes, {} steps each: mix {} ms ({} strokes of arithmetic), then {} ms in the oven.",
        args.steps, args.work_ms, recipe.strokes_per_mix, args.oven_ms
    );
    println!("This process may use {cores} core(s).\n");

    let kitchens = [
        one_cake_after_the_other(recipe),
        one_baker(recipe)?,
        two_bakers(recipe)?,
    ];
    print_totals(&kitchens);
    print_timelines(&kitchens, args.width);

    let [sequential, one, two] = &kitchens;
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

    // Only the ovens are deliberate waits: back to back they take 2 x steps x oven; one baker
    // and two bakers can each overlap the two cakes' ovens, so steps x oven each.
    let ideal = 4.0 * f64::from(args.steps) * recipe.oven.as_secs_f64();
    Ok(format!(
        "summary: cores={cores} sequential_s={:.3} one_baker_s={:.3} two_bakers_s={:.3} \
         work_overlap_two_bakers={:.3} work_overlap_one_baker={:.3} ideal_s={ideal:.3} \
         work_stretch_two_bakers={stretch:.2} one_baker_threads={} two_bakers_threads={} \
         results_equal={results_equal} mixing_parallelism_one_baker={:.2} \
         mixing_parallelism_two_bakers={:.2}",
        sequential.total,
        one.total,
        two.total,
        two.mixing_at_once(),
        one.mixing_at_once(),
        one.threads(),
        two.threads(),
        one.mixing_parallelism(),
        two.mixing_parallelism(),
    ))
}

/// The baseline: one thread bakes cake 1 to the end, then cake 2.
fn one_cake_after_the_other(recipe: Recipe) -> Kitchen {
    let opened = Instant::now();
    let first = bake_with_a_blocking_oven(0, recipe, opened);
    let second = bake_with_a_blocking_oven(1, recipe, opened);
    Kitchen {
        name: "sequential",
        total: opened.elapsed().as_secs_f64(),
        cakes: [first, second],
    }
}

/// Concurrency: one thread (a current-thread tokio runtime) bakes both cakes. While one cake
/// is in the oven its future is parked, and the runtime turns to the other cake. Mixing does
/// not await, so while the baker mixes one cake the other cake waits.
fn one_baker(recipe: Recipe) -> Result<Kitchen, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| {
            format!("cannot start a one-thread tokio runtime: {e}; check the process limits")
        })?;
    let opened = Instant::now();
    let (first, second) = runtime.block_on(async {
        tokio::join!(
            bake_with_an_awaited_oven(0, recipe, opened),
            bake_with_an_awaited_oven(1, recipe, opened)
        )
    });
    Ok(Kitchen {
        name: "one baker",
        total: opened.elapsed().as_secs_f64(),
        cakes: [first, second],
    })
}

/// Parallelism: one OS thread per cake. Where the machine has two free cores, both cakes are
/// really mixed at the same moment; on one core the OS makes the two threads take turns.
fn two_bakers(recipe: Recipe) -> Result<Kitchen, String> {
    let opened = Instant::now();
    let cakes = thread::scope(|scope| {
        let hire = |cake: usize| {
            thread::Builder::new()
                .name(format!("baker-{}", cake + 1))
                .spawn_scoped(scope, move || {
                    bake_with_a_blocking_oven(cake, recipe, opened)
                })
                .map_err(|e| {
                    format!("cannot start a baker thread: {e}; check the thread limit (ulimit -u)")
                })
        };
        let (first, second) = (hire(0)?, hire(1)?);
        let first = first
            .join()
            .map_err(|_| "baker 1 panicked; this is a bug".to_string())?;
        let second = second
            .join()
            .map_err(|_| "baker 2 panicked; this is a bug".to_string())?;
        Ok::<_, String>([first, second])
    })?;
    Ok(Kitchen {
        name: "two bakers",
        total: opened.elapsed().as_secs_f64(),
        cakes,
    })
}

/// One cake on the calling thread; the oven is a plain sleep that blocks the thread.
fn bake_with_a_blocking_oven(cake: usize, recipe: Recipe, opened: Instant) -> Cake {
    let mut spans = Vec::new();
    let mut dough = first_dough(cake);
    for _ in 0..recipe.steps {
        dough = mix_and_record(dough, recipe.strokes_per_mix, opened, &mut spans);
        let start = opened.elapsed().as_secs_f64();
        thread::sleep(recipe.oven);
        spans.push(oven_span(start, opened));
    }
    let thread = thread::current().id();
    Cake {
        spans,
        dough,
        thread,
    }
}

/// The same cake, but the oven is awaited: the thread is free for other work meanwhile.
async fn bake_with_an_awaited_oven(cake: usize, recipe: Recipe, opened: Instant) -> Cake {
    let mut spans = Vec::new();
    let mut dough = first_dough(cake);
    for _ in 0..recipe.steps {
        dough = mix_and_record(dough, recipe.strokes_per_mix, opened, &mut spans);
        let start = opened.elapsed().as_secs_f64();
        tokio::time::sleep(recipe.oven).await;
        spans.push(oven_span(start, opened));
    }
    let thread = thread::current().id();
    Cake {
        spans,
        dough,
        thread,
    }
}

/// Mixes, and records when (wall clock) and how much CPU this thread spent doing it.
fn mix_and_record(dough: u64, strokes: u64, opened: Instant, spans: &mut Vec<Span>) -> u64 {
    let (start, cpu_before) = (opened.elapsed().as_secs_f64(), thread_cpu_s());
    let dough = mix(dough, strokes);
    let (end, cpu) = (opened.elapsed().as_secs_f64(), thread_cpu_s() - cpu_before);
    spans.push(Span {
        kind: Kind::Mix,
        start,
        end,
        cpu,
    });
    dough
}

fn oven_span(start: f64, opened: Instant) -> Span {
    let end = opened.elapsed().as_secs_f64();
    Span {
        kind: Kind::Oven,
        start,
        end,
        cpu: 0.0,
    }
}

/// Seconds of CPU this thread has used. `strokes_per_ms` has already read this clock
/// successfully; should it fail later, NaN shows up in the output instead of a made-up 0.
fn thread_cpu_s() -> f64 {
    ClockId::CLOCK_THREAD_CPUTIME_ID
        .now()
        .map_or(f64::NAN, |t| Duration::from(t).as_secs_f64())
}

fn first_dough(cake: usize) -> u64 {
    0x9E37_79B9_7F4A_7C15 ^ cake as u64
}

/// Mixing: a chain of multiply, add and shift. Each stroke needs the one before, so the
/// compiler can neither skip nor vectorise the loop, and the final dough is compared across
/// kitchens.
fn mix(mut dough: u64, strokes: u64) -> u64 {
    for stroke in 0..black_box(strokes) {
        dough = dough
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(stroke | 1);
        dough ^= dough >> 29;
    }
    dough
}

/// Strokes of `mix` per millisecond of CPU, so `--work-ms` means milliseconds of CPU work.
/// The rate is taken from this thread's own CPU clock, not the wall clock, so a busy
/// machine that preempts us while we measure does not skew it. After this the count is
/// fixed: a baker who has to share a core takes longer over the same mix.
fn strokes_per_ms() -> Result<u64, String> {
    let cpu_ms = || {
        ClockId::CLOCK_THREAD_CPUTIME_ID
            .now()
            .map(|t| Duration::from(t).as_secs_f64() * 1e3)
            .map_err(|e| format!("cannot read this thread's CPU clock: {e}; run on Linux or macOS"))
    };
    let mut dough = mix(1, 1_000_000); // wake the core up before timing it
    let start = cpu_ms()?;
    let mut strokes = 0u64;
    while cpu_ms()? - start < 50.0 {
        dough = mix(dough, 20_000);
        strokes += 20_000;
    }
    black_box(dough);
    Ok(((strokes as f64 / (cpu_ms()? - start)) as u64).max(1))
}

fn print_totals(kitchens: &[Kitchen]) {
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
         once; cores_mixing: CPU seconds of mixing per second in which any mixing went on.\n"
    );
}

fn print_timelines(kitchens: &[Kitchen], width: u32) {
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
