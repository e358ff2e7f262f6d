//! TODO: the idea in two to five sentences. This scaffold sleeps `--delay-ms` and
//! measures how long the sleep really took: replace that with the idea.
//!
//! Run it:
//!
//!     cargo run --release -p __NAME__
//!     cargo run --release -p __NAME__ -- --delay-ms 50
//!
//! What to look for: the measured sleep is a little longer than the one asked for.
//! `--trace t.json` writes the run for Perfetto or vizviewer: one slice, the sleep.

mod output;
mod report;
mod trace;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

use report::Summary;
use trace::Trace;

/// TODO: the idea in one line (shown by --help).
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How long to sleep, in milliseconds (at most a minute).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    delay_ms: u64,

    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
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

/// The demo, in the order it runs.
fn run(args: &Args) -> anyhow::Result<()> {
    let delay = Duration::from_millis(args.delay_ms);
    let trace = match args.trace {
        Some(_) => Trace::new(Instant::now()),
        None => Trace::off(),
    };
    let sleeper = trace.track(trace.group("one sleep"), "sleeper thread");
    println!("sleeping {} ms", args.delay_ms);
    let from = Instant::now();
    let slept = sleep_and_measure(delay)?;
    let name = format!("sleep {} ms", args.delay_ms);
    trace.slice(sleeper, "sleep", &name, from, from + slept);
    println!("slept {:.1} ms", slept.as_secs_f64() * 1e3);
    if let Some(path) = &args.trace {
        trace.write(path).with_context(|| {
            format!("cannot write the trace to {}; check that its folder exists", path.display())
        })?;
        println!("trace written to {} (open it in ui.perfetto.dev or vizviewer)", path.display());
    }
    println!("{}", Summary::new(delay, slept));
    Ok(())
}

// ANCHOR: idea
/// A sleep is never shorter than asked: the OS may wake the thread late, never early. It
/// sleeps on a thread of its own, so the error path has something real to report.
fn sleep_and_measure(delay: Duration) -> anyhow::Result<Duration> {
    let start = Instant::now();
    std::thread::Builder::new()
        .name("sleeper".into())
        .spawn(move || std::thread::sleep(delay))
        .context("cannot start a thread; raise the process's thread limit (ulimit -u)")?
        .join()
        .map_err(|_| anyhow::anyhow!("the sleeping thread panicked"))?;
    Ok(start.elapsed())
}
// ANCHOR_END: idea
