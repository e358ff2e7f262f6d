//! Shutting down cleanly on Ctrl-C. Four jobs of different lengths run on a tokio runtime
//! until SIGINT (or SIGTERM) arrives; a `watch` channel then tells every job to stop, and
//! each stops at its next safe point, between two steps. A grace period (`timeout` over
//! the `JoinSet`) lets the short jobs get there; the job still running when it ends is
//! aborted. The demo presses its own Ctrl-C after `--signal-after-ms` with nix, so it runs
//! unattended; `--wait-for-signal` waits for yours. For contrast, the same kind of jobs
//! spawned and never joined: returning from main drops them with the runtime, unfinished.
//!
//!     cargo run --release -p graceful-shutdown
//!     cargo run --release -p graceful-shutdown -- --wait-for-signal     (then press Ctrl-C)
//!
//! What to look for: quick completed, steady and chunky stopped, stuck aborted; shutdown
//! took the grace and no more (`shutdown_over_grace` about 1.00); `unjoined_completed=0`.
//! `--trace t.json` draws each job until it ended, the signal, the stop and the grace.

mod output;
mod report;
mod setup;
mod trace;
mod witness;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};

use report::{Log, Outcome, Summary};
use trace::Trace;
use witness::Witness;

/// Ctrl-C, a watch channel to stop every job, a grace period, then abort.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// When the demo sends itself SIGINT, in ms after the jobs start.
    #[arg(long, default_value_t = 350, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    signal_after_ms: u64,
    /// How long the jobs get to stop after the signal, in ms, before the rest are aborted.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    grace_ms: u64,
    /// Send no signal: wait for a real Ctrl-C (SIGINT) or SIGTERM.
    #[arg(long, conflicts_with = "signal_after_ms")]
    wait_for_signal: bool,
    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

/// The jobs: a name, how many steps, and how long each step takes. `stuck` is one step of
/// an hour (a peer that never answers): it reaches no safe point in any grace.
const JOBS: [(&str, u32, Duration); 4] = [
    ("quick", 2, Duration::from_millis(50)),
    ("steady", 20, Duration::from_millis(100)),
    ("chunky", 5, Duration::from_millis(250)),
    ("stuck", 1, Duration::from_secs(3600)),
];

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
    let self_signal = (!args.wait_for_signal).then(|| Duration::from_millis(args.signal_after_ms));
    let grace = Duration::from_millis(args.grace_ms);
    report::part(1, report::SHUTDOWN);
    // What #[tokio::main] builds; the demo builds it by hand to drop it where it chooses.
    let runtime = setup::tokio_main()?;
    let trace = Arc::new(match args.trace {
        Some(_) => Trace::new(std::time::Instant::now()),
        None => Trace::off(),
    });
    let mut log = Log::new(grace, &trace);
    runtime.block_on(run_until_signal(self_signal, grace, &mut log))?;
    drop(runtime);
    report::part(2, report::UNJOINED);
    let witness = Witness::new(&trace, "2 main returns without joining");
    let unjoined =
        report::main_returned("without joining", "unjoined", main_returns(false, witness)?);
    let witness = Witness::new(&trace, "2 main returns after joining");
    let joined = report::main_returned("after joining", "joined", main_returns(true, witness)?);
    let summary = Summary::new(log, [unjoined, joined], self_signal);
    summary.explain();
    if let Some(path) = &args.trace {
        let wrote = trace.write(path);
        wrote.with_context(|| format!("cannot write the trace to {}", path.display()))?;
        println!(
            "trace written to {} (open it in ui.perfetto.dev or vizviewer)",
            path.display()
        );
    }
    println!("{summary}");
    Ok(())
}

// ANCHOR: job
/// A job of `steps` steps. After each step it looks at the stop flag: told to stop, it
/// ends cleanly at this safe point. A step in progress is never cut short; only an
/// abort does that, at the step's `.await`.
async fn job(steps: u32, step: Duration, stop: watch::Receiver<bool>) -> Outcome {
    for done in 1..=steps {
        sleep(step).await;
        if done < steps && *stop.borrow() {
            return Outcome::Stopped { done, steps };
        }
    }
    Outcome::Completed { steps }
}
// ANCHOR_END: job

// ANCHOR: shutdown
/// Runs the jobs until SIGINT or SIGTERM, tells them all to stop, gives them `grace`
/// to do it, and aborts whatever is still running then.
async fn run_until_signal(
    self_signal: Option<Duration>,
    grace: Duration,
    log: &mut Log,
) -> anyhow::Result<()> {
    // Installed before anything can send the signal: from now on it is ours to handle.
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let own_ctrl_c = self_signal.map(setup::press_ctrl_c_after); // so the demo runs unattended
    log.waiting(self_signal);
    let (stop, stop_rx) = watch::channel(false);
    let mut jobs = JoinSet::new();
    for (name, steps, step) in JOBS {
        let id = jobs.spawn(job(steps, step, stop_rx.clone())).id();
        log.started(id, name, steps, step);
    }
    let name = loop {
        tokio::select! {
            _ = interrupt.recv() => break "SIGINT",
            _ = terminate.recv() => break "SIGTERM",
            Some(done) = jobs.join_next_with_id() => log.ended(done), // ends by itself
        }
    };
    log.signal(name);
    if let Some(press) = own_ctrl_c {
        press.abort(); // a signal came first: the demo's own Ctrl-C must not be a second one
    }
    let _ = stop.send(true); // every job sees it at its next safe point
    log.told_to_stop();
    let drain = async {
        while let Some(done) = jobs.join_next_with_id().await {
            log.ended(done);
        }
    };
    let all_stopped = tokio::select! {
        drained = timeout(grace, drain) => drained.is_ok(),
        _ = interrupt.recv() => false, // a second Ctrl-C: do not wait out the grace
        _ = terminate.recv() => false,
    };
    if !all_stopped {
        log.grace_over(jobs.len());
        jobs.abort_all(); // each remaining job is dropped at its current .await
        while let Some(done) = jobs.join_next_with_id().await {
            log.ended(done);
        }
    }
    log.shut_down();
    Ok(())
}
// ANCHOR_END: shutdown

// ANCHOR: unjoined
/// What `#[tokio::main]` does when main's body returns while spawned jobs still run:
/// `block_on` returns, the runtime is dropped, and every task it holds is dropped with it,
/// mid-step. Counted after the jobs would have ended; with `join`, main awaits them first.
fn main_returns(join: bool, witness: Witness) -> anyhow::Result<witness::Counts> {
    let runtime = setup::tokio_main()?;
    runtime.block_on(async {
        let (_never, stop) = watch::channel(false);
        let jobs: Vec<_> = (0..3)
            .map(|_| tokio::spawn(witness.watch(job(3, Duration::from_millis(100), stop.clone()))))
            .collect();
        sleep(Duration::from_millis(150)).await; // main's own work
        if join {
            for handle in jobs {
                let _ = handle.await;
            }
        }
    });
    witness.main("main returns: the runtime is dropped");
    drop(runtime); // the end of #[tokio::main]'s main
    std::thread::sleep(Duration::from_millis(300)); // past the jobs' end
    Ok(witness.counts())
}
// ANCHOR_END: unjoined
