//! TODO: the idea in two to five sentences. This scaffold sleeps `--delay-ms` and
//! measures how long the sleep really took: replace that with the idea.
//!
//! Run it:
//!
//!     cargo run --release -p __NAME__
//!     cargo run --release -p __NAME__ -- --delay-ms 50
//!
//! What to look for: the measured sleep is a little longer than the one asked for.

mod report;

use std::process::ExitCode;
use std::time::{Duration, Instant};

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
    report::end_quietly_on_closed_pipe();
    let args = Args::parse();
    let delay = Duration::from_millis(args.delay_ms);
    println!("sleeping {} ms", args.delay_ms);
    let slept = sleep_and_measure(delay);
    println!("slept {:.1} ms", slept.as_secs_f64() * 1e3);
    println!("{}", Summary::new(delay, slept));
    ExitCode::SUCCESS
}

// ANCHOR: idea
/// A sleep is never shorter than asked: the OS may wake the thread late, never early.
fn sleep_and_measure(delay: Duration) -> Duration {
    let start = Instant::now();
    std::thread::sleep(delay);
    start.elapsed()
}
// ANCHOR_END: idea
