//! Calling a flaky service. The demo starts an HTTP service on 127.0.0.1 that fails or
//! stalls a set fraction of requests (seeded, so every run sees the same faults) and is
//! down for a window in the middle of each run. The same calls, arriving at a steady rate,
//! go to it under four policies: try once with a timeout; retry at once; retry after an
//! exponential back-off with jitter, within a deadline; and the same behind a circuit
//! breaker. The service counts the requests it sees: that is the load.
//!
//! Run it:
//!
//!     cargo run --release -p retries
//!     cargo run --release -p retries -- --fail 0.5 --attempts 10
//!
//! What to look for: retrying at once multiplies the requests the service sees while it
//! is down; the breaker sheds them; the deadline bounds the slowest call.
//! `--trace t.json` writes every attempt for Perfetto or vizviewer.

mod output;
mod policy;
mod recording;
mod report;
mod server;
mod trace;

#[cfg(test)]
#[path = "../tests/local/burst.rs"]
mod test_burst;
#[cfg(test)]
#[path = "../tests/common/mod.rs"]
mod test_common;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

use policy::{Breaker, Knobs, Policy, Rng, Try};
use report::{Row, Summary};
use server::{Faults, Server};
use trace::Trace;

/// Timeouts, retries, back-off with jitter and a circuit breaker against a flaky local service.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many calls each policy makes, spread evenly over --spread-ms.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=5_000))]
    calls: u32,
    /// How long the calls take to arrive, in milliseconds.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    spread_ms: u64,
    /// The fraction of requests the service fails at once (503).
    #[arg(long, default_value_t = 0.2, value_parser = fraction)]
    fail: f64,
    /// The fraction of requests the service stalls (answers after a second).
    #[arg(long, default_value_t = 0.05, value_parser = fraction)]
    stall: f64,
    /// The outage: the service fails everything from this millisecond of each run...
    #[arg(long, default_value_t = 150, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    outage_from_ms: u64,
    /// ...to this one.
    #[arg(long, default_value_t = 350, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    outage_to_ms: u64,
    /// Per-attempt timeout, in milliseconds.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    timeout_ms: u64,
    /// Attempts per call at most (1 = no retries).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    attempts: u32,
    /// The first back-off's cap, in milliseconds; it doubles each retry.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    base_ms: u64,
    /// A back-off call's whole time, retries included, at most, in milliseconds.
    #[arg(long, default_value_t = 150, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    deadline_ms: u64,
    /// Failures in a row that open the breaker.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1_000))]
    trip_after: u32,
    /// How long the open breaker fails calls before it lets one trial through, in ms.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    cool_down_ms: u64,
    /// The seed of the service's faults and of the jitter.
    #[arg(long, default_value_t = 26)]
    seed: u64,
    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

fn fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("{text} is not a fraction from 0 to 1")),
    }
}

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = Args::parse();
    let bad = |message: &str| {
        use clap::CommandFactory;
        Args::command()
            .error(clap::error::ErrorKind::ArgumentConflict, message)
            .exit()
    };
    if args.fail + args.stall > 1.0 {
        bad("--fail and --stall add up to more than 1");
    }
    if args.outage_to_ms <= args.outage_from_ms {
        bad("--outage-to-ms must be after --outage-from-ms");
    }
    // A failure at run time is one line that says what to do: `error: context: cause`.
    match run(&args) {
        Ok(summary) => println!("{summary}"),
        Err(error) => {
            eprintln!("error: {error:#}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// The demo, in the order it runs: the service, then the same calls under each policy.
fn run(args: &Args) -> anyhow::Result<Summary> {
    let ms = Duration::from_millis;
    let outage = (ms(args.outage_from_ms), ms(args.outage_to_ms));
    let faults = Faults {
        fail: args.fail,
        stall: args.stall,
        stall_for: ms(1000),
        outage,
        seed: args.seed,
    };
    let knobs = Knobs {
        timeout: ms(args.timeout_ms),
        attempts: args.attempts,
        base: ms(args.base_ms),
        deadline: ms(args.deadline_ms),
        trip_after: args.trip_after,
        cool_down: ms(args.cool_down_ms),
    };
    let trace = match args.trace {
        Some(_) => Trace::new(Instant::now()),
        None => Trace::off(),
    };
    let server = Server::start(faults)
        .context("cannot start the local service; check loopback networking")?;
    let url = format!("http://{}/", server.addr());
    // The client: one thread. Every request a new connection (the service closes each).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the client's runtime")?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .context("cannot build the HTTP client")?;
    let spread = ms(args.spread_ms);
    println!(
        "{} calls over {} ms to {url}, per policy; the service fails {:.0}% (a 503) and\n\
         stalls {:.0}% (answers after 1 s) of requests (seed {}), and is down from {} to {} ms\n\
         of each run; every attempt times out after {} ms; up to {} attempts a call",
        args.calls,
        args.spread_ms,
        args.fail * 100.0,
        args.stall * 100.0,
        args.seed,
        args.outage_from_ms,
        args.outage_to_ms,
        args.timeout_ms,
        args.attempts
    );
    report::print_header();
    let policies = [
        (Policy::Once, "once, with a timeout"),
        (Policy::RetryNow, "retry at once"),
        (Policy::Backoff, "back-off + jitter, deadline"),
        (Policy::Breaker, "back-off + circuit breaker"),
    ];
    let mut rows = Vec::new();
    for (policy, name) in policies {
        let start = Instant::now();
        server.begin(start, args.seed);
        let calls = runtime.block_on(calls(&client, &url, policy, &knobs, args, start));
        let arrivals = server.arrivals();
        recording::record(&trace, name, start, outage, &calls, &arrivals);
        let row = Row::new(name, &calls, &arrivals);
        report::print_row(&row, outage.1 - outage.0);
        rows.push(row);
    }
    let [once, now, backoff, breaker] = <[Row; 4]>::try_from(rows).ok().context("four rows")?;
    report::print_legend(
        args.calls as f64 / spread.as_secs_f64(),
        &knobs,
        breaker.shed,
    );
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
    Ok(Summary {
        once,
        now,
        backoff,
        breaker,
        outage: outage.1 - outage.0,
        deadline: knobs.deadline,
        ideal: spread * 4,
    })
}

// ANCHOR: calls
/// The calls arrive at a steady rate whatever happens to them (as users do), each its
/// own task; one breaker is shared by all of them.
async fn calls(
    client: &reqwest::Client,
    url: &str,
    policy: Policy,
    knobs: &Knobs,
    args: &Args,
    start: Instant,
) -> Vec<(Duration, Vec<Try>)> {
    let breaker = std::sync::Arc::new(Breaker::new());
    let gap = Duration::from_millis(args.spread_ms) / args.calls;
    let mut tasks = Vec::new();
    for i in 0..args.calls {
        tokio::time::sleep_until((start + gap * i).into()).await;
        let (client, url, knobs, breaker) =
            (client.clone(), url.to_owned(), *knobs, breaker.clone());
        let jitter = Rng::new(args.seed ^ (u64::from(i) << 32));
        tasks.push(tokio::spawn(async move {
            policy::call(&client, &url, policy, &knobs, &breaker, jitter).await
        }));
    }
    let mut done = Vec::new();
    for task in tasks {
        let tries = task.await.unwrap_or_default();
        let at = tries.first().map_or(Duration::ZERO, |t| t.from - start);
        done.push((at, tries));
    }
    done
}
// ANCHOR_END: calls
