//! An event loop from scratch. The loop keeps a queue of ready tasks; it polls
//! one, and when that task hits I/O that is not ready (or a sleep) it returns
//! Pending, parked with the reactor, and the next task runs. When no task is
//! ready, one poll(2) call waits for a socket or the nearest timer, and the
//! wakers of whatever became ready push their task back onto the queue.
//!
//! Run: `cargo run --release -p event-loop`, or with every scheduling decision
//! printed: `cargo run --release -p event-loop -- --narrate --clients 2 --runtime scratch`;
//! drawn for Perfetto or vizviewer: `... -- --trace t.json` (a track per task: its polls,
//! parks and wake-ups); serve your own `nc` clients: `... -- --serve --narrate`.
//!
//! Look for: tasks parked on an fd and woken later, polls of different tasks
//! interleaved, the same finish order and values as tokio, and an elapsed
//! time near the longest sleep rather than the sum of all sleeps.

mod cli;
mod executor;
mod leaf;
mod narrate;
mod on_tokio;
mod order;
mod output;
mod reactor;
mod report;
mod serve;
mod tasks;
mod timeline;
mod trace;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, ValueEnum};

use executor::Stats;
use leaf::TcpListener;
use report::Summary;
use tasks::{Log, Record, Scenario};
use trace::Trace;

/// An event loop built from scratch (std + nix poll) runs an echo server,
/// clients and sleepers on one thread; the same tasks also run on tokio.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Print each scheduling decision of the scratch loop (polls, parks, timers, wake-ups);
    /// tokio's decisions are inside tokio, so not with `--runtime tokio`.
    #[arg(long)]
    narrate: bool,

    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE", conflicts_with = "serve")]
    trace: Option<PathBuf>,

    /// Number of client tasks; each also gets an echo task on the server side.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=50))]
    clients: u32,

    /// Which loop runs the tasks: the one from scratch, tokio's, or both with a comparison
    /// [default: both; with --serve: scratch].
    #[arg(long, value_enum)]
    runtime: Option<Runtime>,

    /// Time unit in ms: the server answers client i after i steps; the sleepers take 0.5, 2.5, 3.5 steps.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(20..=2000))]
    step_ms: u64,

    /// Serve the echo protocol to your own clients (nc, telnet) until Ctrl-C instead of
    /// running the demo's tasks; ADDR defaults to 127.0.0.1:8000 (port 0: a free port).
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:8000",
          conflicts_with_all = ["clients", "step_ms"])]
    serve: Option<SocketAddr>,
}

/// Which loop runs the tasks (`--runtime`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Runtime {
    Scratch,
    Tokio,
    Both,
}

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = Args::parse();
    let runtime = cli::runtime(&args);
    let result = match (args.serve, runtime) {
        (Some(addr), Runtime::Tokio) => serve::on_tokio(addr),
        (Some(addr), _) => serve::on_scratch_loop(addr, args.narrate), // never both: see cli
        (None, runtime) => run(&args, runtime).map(|summary| println!("{summary}")),
    };
    // A failure at run time is one line that says what to do: `error: context: cause`.
    if let Err(error) = result {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The demo: the same tasks on the chosen loop(s), then the comparison.
fn run(args: &Args, runtime: Runtime) -> anyhow::Result<Summary> {
    let sc = Scenario {
        clients: args.clients,
        step: Duration::from_millis(args.step_ms),
    };
    report::announce(sc);
    let trace = Rc::new(match args.trace {
        Some(_) => Trace::new(Instant::now()),
        None => Trace::off(),
    });
    let scratch = match runtime {
        Runtime::Tokio => None,
        _ => Some(run_on_scratch_loop(sc, args.narrate, Rc::clone(&trace))?),
    };
    let tokio = match runtime {
        Runtime::Scratch => None,
        _ => Some(on_tokio::run(sc)?),
    };
    if let Some((records, elapsed)) = &tokio {
        // The records' clock started about `elapsed` before run() returned.
        let start = Instant::now() - *elapsed;
        let group = "tokio (current_thread): the same tasks, as they saw it";
        timeline::finished(&trace, group, start, records);
    }
    // Which ready task runs next: the same small test on each loop that ran.
    let ours = (runtime != Runtime::Tokio)
        .then(|| order::on_scratch_loop(sc.step))
        .transpose()?;
    let theirs = (runtime != Runtime::Scratch)
        .then(|| order::on_tokio(sc.step))
        .transpose()?;
    let summary = report::results(sc, scratch, tokio, [ours, theirs])?;
    if let Some(path) = &args.trace {
        timeline::write(&trace, path)?;
    }
    Ok(summary)
}

/// The idea itself: bind, hand the tasks to the loop, let it run them all.
fn run_on_scratch_loop(
    sc: Scenario,
    narrate: bool,
    trace: Rc<Trace>,
) -> anyhow::Result<(Vec<Record>, Stats)> {
    let listener = TcpListener::bind(([127, 0, 0, 1], 0).into())
        .context("cannot listen on 127.0.0.1; is the loopback interface up?")?;
    let addr = listener
        .local_addr()
        .context("no local address; is the loopback interface up?")?;
    if narrate {
        println!("\nthe scratch loop's decisions (server on {addr}):");
    }
    let log = Log::new();
    let tasks = tasks::scratch_tasks(sc, listener, addr, &log);
    let stats = executor::run(narrate, trace, tasks)?;
    let records = log.records();
    report::print_stats(&stats);
    Ok((records, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario() -> Scenario {
        Scenario {
            clients: 2,
            step: Duration::from_millis(60),
        }
    }

    #[test]
    fn scratch_loop_and_tokio_agree() {
        let sc = scenario();
        let (ours, stats) = run_on_scratch_loop(sc, false, Rc::new(Trace::off())).unwrap();
        let (theirs, _) = on_tokio::run(sc).unwrap();
        let key = |rs: &[Record]| {
            rs.iter()
                .map(|r| (r.task.clone(), r.value.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(key(&ours), key(&theirs));
        assert_eq!(
            report::order(&ours),
            "server nap echo-1 client-1 echo-2 client-2 rest long",
            "the finish order follows the waits"
        );
        assert_eq!(stats.tasks, sc.task_count());
        // At least: the server on accept, and every client on the read of its reply.
        assert!(stats.parks_on_io > sc.clients as usize, "{stats:?}");
    }
}
