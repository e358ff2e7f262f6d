//! TODO: the idea in two to five sentences. This scaffold sleeps `--delay-ms` and
//! measures how long the sleep really took: replace that with the idea.
//!
//! Run it:
//!
//!     cargo run --release -p __NAME__
//!     cargo run --release -p __NAME__ -- --delay-ms 50
//!
//! What to look for: the measured sleep is a little longer than the one asked for.

mod output;
mod report;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

use report::Summary;

/// TODO: the idea in one line (shown by --help).
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How long to sleep, in milliseconds (at most a minute).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    delay_ms: u64,
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
    println!("sleeping {} ms", args.delay_ms);
    let slept = sleep_and_measure(delay)?;
    println!("slept {:.1} ms", slept.as_secs_f64() * 1e3);
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
