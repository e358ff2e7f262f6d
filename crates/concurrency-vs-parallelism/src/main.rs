//! Concurrency vs parallelism, as two cakes. Each cake takes a few steps of mixing (real
//! CPU work on the baker's thread) and then time in the oven (a sleep: nobody has to watch
//! it). One baker bakes both cakes on one thread and turns to the other cake whenever one
//! goes into the oven: that is concurrency. Two bakers each bake a cake on a thread of
//! their own, so both cakes can be mixed at the same moment: that is parallelism. Baking
//! one cake after the other is the baseline. Part two bakes with one baker and with two
//! again, pinned to one core: concurrency still works there, parallelism has no room.
//!
//!     cargo run --release -p concurrency-vs-parallelism
//!     cargo run --release -p concurrency-vs-parallelism -- --work-ms 50 --oven-ms 300 --steps 4
//!
//! What to look for: one baker's `#` (mixing) never stand above each other, they fill the
//! other cake's `~` (oven); two bakers' `#` do stand above each other, and `cores_mixing`
//! says whether that was parallel (near 2, `^` in the `both` row) or two threads taking
//! turns at one core (1 or less, `-`): on one core, always the second.
//! `--trace t.json` writes the same spans for Perfetto or vizviewer: a track per baker, a
//! slice per mixing step that says how much CPU it got, and a counter of cores busy.

mod kitchen;
mod kitchen_trace;
mod one_core;
mod output;
mod timeline;
mod trace;

use std::hint::black_box;
use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use kitchen::{Cake, Kitchen, Notebook};
use trace::Trace;

/// Two cakes baked one after the other, by one baker (one thread, switching at the oven)
/// and by two bakers (two threads).
#[derive(Parser, Debug)]
#[command(version, about, after_help = kitchen::FIGURES_HELP)]
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
    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

/// What every cake needs; the same for both cakes in every kitchen.
#[derive(Clone, Copy)]
struct Recipe {
    steps: u32,
    strokes_per_mix: u64,
    oven: Duration,
}

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = Args::parse();
    // A failure at run time is one line that says what to do: `error: context: cause`.
    if let Err(error) = run(&args) {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn run(args: &Args) -> anyhow::Result<()> {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let recipe = Recipe {
        steps: args.steps,
        strokes_per_mix: kitchen::strokes_per_ms(|n| mix(1, n))? * args.work_ms,
        oven: Duration::from_millis(args.oven_ms),
    };
    kitchen::header(args, recipe.strokes_per_mix, cores);

    let meter = kitchen_trace::CpuMeter::start(args.trace.is_some());
    let mut kitchens = vec![
        one_cake_after_the_other(recipe),
        one_baker(recipe)?,
        two_bakers(recipe)?,
    ];
    // Part two: the same bakers held to one core. The threads started while this one is
    // pinned inherit its one core.
    let part_two = match one_core::pin_this_thread() {
        Ok(pinned) => {
            let on_one_core = [one_baker(recipe)?, two_bakers(recipe)?];
            kitchens.extend(on_one_core.map(Kitchen::on_one_core));
            Ok(pinned.core) // dropped here: the thread may use all its cores again
        }
        Err(why) => Err(why),
    };
    let cpu_readings = meter.stop();
    kitchen::print_totals(&kitchens);
    kitchen::print_timelines(&kitchens, args.width);
    let summary = kitchen::conclude(&kitchens, &part_two, args.steps, recipe.oven);
    if let Some(path) = &args.trace {
        // The same spans the timelines above were drawn from.
        let trace = Trace::new(kitchens[0].opened);
        kitchen_trace::record(&trace, &kitchens, &cpu_readings);
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
    println!("{summary}");
    Ok(())
}

/// The baseline: one thread bakes cake 1 to the end, then cake 2.
fn one_cake_after_the_other(recipe: Recipe) -> Kitchen {
    let opened = Instant::now();
    let first = bake_with_a_blocking_oven(0, recipe, Notebook::new(opened));
    let second = bake_with_a_blocking_oven(1, recipe, Notebook::new(opened));
    Kitchen::new("sequential", opened, [first, second])
}

// ANCHOR: one-baker
/// Concurrency: one thread (a current-thread tokio runtime) bakes both cakes. While one
/// cake is in the oven its future is parked, and the runtime turns to the other cake.
/// Mixing does not await, so while the baker mixes one cake the other cake waits.
fn one_baker(recipe: Recipe) -> anyhow::Result<Kitchen> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .context(
            "cannot start a one-thread tokio runtime; check the process's limits (ulimit -a)",
        )?;
    let opened = Instant::now();
    let (first, second) = runtime.block_on(async {
        tokio::join!(
            bake_with_an_awaited_oven(0, recipe, Notebook::new(opened)),
            bake_with_an_awaited_oven(1, recipe, Notebook::new(opened))
        )
    });
    Ok(Kitchen::new("one baker", opened, [first, second]))
}
// ANCHOR_END: one-baker

// ANCHOR: two-bakers
/// Parallelism: one OS thread per cake. Where the machine has two free cores, both cakes
/// are mixed at the same moment; on one core the OS makes the two threads take turns.
fn two_bakers(recipe: Recipe) -> anyhow::Result<Kitchen> {
    let opened = Instant::now();
    let cakes = thread::scope(|scope| {
        let hire = |cake: usize| {
            let baker = thread::Builder::new().name(format!("baker-{}", cake + 1));
            baker
                .spawn_scoped(scope, move || {
                    bake_with_a_blocking_oven(cake, recipe, Notebook::new(opened))
                })
                .context("cannot start a baker thread; check the thread limit (ulimit -u)")
        };
        let (first, second) = (hire(0)?, hire(1)?);
        let baker_panicked = |_| anyhow::anyhow!("a baker thread panicked; see the message above");
        let first = first.join().map_err(baker_panicked)?;
        let second = second.join().map_err(baker_panicked)?;
        anyhow::Ok([first, second])
    })?;
    Ok(Kitchen::new("two bakers", opened, cakes))
}
// ANCHOR_END: two-bakers

// ANCHOR: bake
/// One cake on the calling thread; the oven is a plain sleep that blocks the thread.
fn bake_with_a_blocking_oven(cake: usize, recipe: Recipe, mut notebook: Notebook) -> Cake {
    let mut dough = kitchen::first_dough(cake);
    for _ in 0..recipe.steps {
        dough = notebook.mixing(|| mix(dough, recipe.strokes_per_mix));
        let put_in = notebook.now();
        thread::sleep(recipe.oven);
        notebook.oven_since(put_in);
    }
    notebook.cake(dough)
}

/// The same cake, but the oven is awaited: the thread is free for other work meanwhile.
async fn bake_with_an_awaited_oven(cake: usize, recipe: Recipe, mut notebook: Notebook) -> Cake {
    let mut dough = kitchen::first_dough(cake);
    for _ in 0..recipe.steps {
        dough = notebook.mixing(|| mix(dough, recipe.strokes_per_mix));
        let put_in = notebook.now();
        tokio::time::sleep(recipe.oven).await;
        notebook.oven_since(put_in);
    }
    notebook.cake(dough)
}
// ANCHOR_END: bake

/// Mixing: a chain of multiply, add and shift. Each stroke needs the one before, so the
/// compiler can neither skip nor vectorise the loop, and the final dough is compared
/// across kitchens. One compiled copy serves every kitchen (`inline(never)`).
#[inline(never)]
fn mix(mut dough: u64, strokes: u64) -> u64 {
    for stroke in 0..black_box(strokes) {
        dough = dough
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(stroke | 1);
        dough ^= dough >> 29;
    }
    dough
}
