//! An event loop from scratch. The loop keeps a queue of ready tasks; it polls
//! one, and when that task hits I/O that is not ready (or a sleep) it returns
//! Pending, parked with the reactor, and the next task runs. When no task is
//! ready, one poll(2) call waits for a socket or the nearest timer, and the
//! wakers of whatever became ready push their task back onto the queue.
//!
//! Run: `cargo run --release -p event-loop`, or with every scheduling decision
//! shown: `cargo run --release -p event-loop -- --trace --clients 2 --runtime scratch`.
//!
//! Look for: tasks parked on an fd and woken later, polls of different tasks
//! interleaved, the same finish order and values as tokio, and an elapsed
//! time near the longest sleep rather than the sum of all sleeps.

/// `println!` that does not panic when stdout closes early (`... --trace | head`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod executor;
mod leaf;
mod on_tokio;
mod reactor;
mod tasks;

use std::fmt;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use executor::Stats;
use leaf::TcpListener;
use tasks::{Log, Record, Scenario};

/// An event loop built from scratch (std + nix poll) runs an echo server,
/// clients and sleepers on one thread; the same tasks also run on tokio.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Print each scheduling decision of the scratch loop (polls, parks, timers, wake-ups).
    #[arg(long)]
    trace: bool,

    /// Number of client tasks; each also gets an echo task on the server side.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=50))]
    clients: u32,

    /// Which loop runs the tasks: the one from scratch, tokio's, or both with a comparison.
    #[arg(long, value_enum, default_value_t = Runtime::Both)]
    runtime: Runtime,

    /// Time unit in ms: the server answers client i after i steps; the sleepers take 0.5, 2.5, 3.5 steps.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(20..=2000))]
    step_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Runtime {
    Scratch,
    Tokio,
    Both,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(summary) => {
            say!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &Args) -> Result<Summary, String> {
    let sc = Scenario {
        clients: args.clients,
        step: Duration::from_millis(args.step_ms),
    };
    say!(
        "{} tasks: 1 echo server, {} clients (+{} echo tasks), 3 sleepers; step {} ms",
        sc.task_count(),
        sc.clients,
        sc.clients,
        args.step_ms
    );
    let scratch = match args.runtime {
        Runtime::Tokio => None,
        _ => Some(run_on_scratch_loop(sc, args.trace)?),
    };
    let tokio = match args.runtime {
        Runtime::Scratch => None,
        _ => Some(on_tokio::run(sc)?),
    };
    let matches = match (&scratch, &tokio) {
        (Some((ours, _)), Some((theirs, _))) => Some(compare_with_tokio(ours, theirs)?),
        (Some((ours, _)), None) => {
            print_results("scratch loop", ours)?;
            None
        }
        (None, Some((theirs, _))) => {
            print_results("tokio", theirs)?;
            None
        }
        (None, None) => None,
    };
    let scratch_elapsed = scratch.as_ref().map(|(_, stats)| stats.elapsed);
    let tokio_elapsed = tokio.as_ref().map(|(_, elapsed)| *elapsed);
    print_concurrency(sc, scratch_elapsed, tokio_elapsed);
    let runs = u32::from(scratch.is_some()) + u32::from(tokio.is_some());
    Ok(Summary {
        tasks: sc.task_count(),
        clients: sc.clients,
        elapsed: scratch_elapsed.or(tokio_elapsed).unwrap_or_default(),
        matches,
        stats: scratch.map(|(_, stats)| stats),
        tokio_elapsed,
        longest: sc.longest_wait(),
        sum: sc.sum_of_waits(),
        ideal: sc.longest_wait() * runs,
    })
}

/// The idea itself: bind, hand the tasks to the loop, let it run them all.
fn run_on_scratch_loop(sc: Scenario, trace: bool) -> Result<(Vec<Record>, Stats), String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| format!("cannot bind 127.0.0.1:0: {e}; is loopback up?"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("no local address: {e}; is loopback up?"))?;
    if trace {
        say!("\ntrace of the scratch loop (server on {addr}):");
    }
    let log = Log::new();
    let stats = executor::run(trace, tasks::scratch_tasks(sc, listener, addr, &log))?;
    let records = log.records();
    say!(
        "\nscratch loop: {} tasks, {} polls, {} parks on I/O, {} timers, {} poll(2) waits, {} wake-ups",
        stats.tasks,
        stats.polls,
        stats.parks_on_io,
        stats.timers,
        stats.reactor_waits,
        stats.wakeups
    );
    Ok((records, stats))
}

fn failed(records: &[Record]) -> Result<(), String> {
    match records.iter().find(|r| r.value.starts_with("failed")) {
        Some(r) => Err(format!(
            "task {} {}; run again, or with --trace to see where",
            r.task, r.value
        )),
        None => Ok(()),
    }
}

fn order(records: &[Record]) -> String {
    records
        .iter()
        .map(|r| r.task.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn print_results(title: &str, records: &[Record]) -> Result<(), String> {
    say!("\n{title}: tasks in the order they finished");
    say!("  {:>2}  {:<9} {:>9}  result", "#", "task", "finished");
    for (n, r) in records.iter().enumerate() {
        say!("  {:>2}  {:<9} {:>9}  {}", n + 1, r.task, at(r.at), r.value);
    }
    say!("finish order ({title}): {}", order(records));
    failed(records)
}

/// Side by side; the results match when every row has the same task and value.
fn compare_with_tokio(ours: &[Record], theirs: &[Record]) -> Result<bool, String> {
    failed(ours)?;
    failed(theirs)?;
    say!("\nthe same tasks, scratch loop vs tokio current_thread, in the order they finished");
    say!(
        "  {:>2}  {:<9} {:>9}  {:<9} {:>9}  {:<4}  result",
        "#",
        "scratch",
        "at",
        "tokio",
        "at",
        "same"
    );
    let mut all_same = ours.len() == theirs.len();
    for n in 0..ours.len().max(theirs.len()) {
        let (a, b) = (ours.get(n), theirs.get(n));
        let same = matches!((a, b), (Some(a), Some(b)) if a.task == b.task && a.value == b.value);
        all_same &= same;
        let cell = |r: Option<&Record>| {
            r.map_or(("-".to_string(), "-".to_string()), |r| {
                (r.task.clone(), at(r.at))
            })
        };
        let ((ta, aa), (tb, ab)) = (cell(a), cell(b));
        let value = match (a, b) {
            (Some(a), Some(b)) if a.value != b.value => format!("{} | {}", a.value, b.value),
            (Some(r), _) | (None, Some(r)) => r.value.clone(),
            (None, None) => String::new(),
        };
        say!(
            "  {:>2}  {ta:<9} {aa:>9}  {tb:<9} {ab:>9}  {:<4}  {value}",
            n + 1,
            if same { "yes" } else { "NO" }
        );
    }
    say!("finish order (scratch loop): {}", order(ours));
    say!("finish order (tokio): {}", order(theirs));
    say!("results match tokio: {all_same}");
    Ok(all_same)
}

/// Concurrency, measured: one thread, yet the run takes the longest wait, not the sum.
fn print_concurrency(sc: Scenario, scratch: Option<Duration>, tokio: Option<Duration>) {
    let (longest, sum) = (
        sc.longest_wait().as_secs_f64(),
        sc.sum_of_waits().as_secs_f64(),
    );
    say!("\nwaits in the tasks: longest {longest:.3} s, all added up {sum:.3} s");
    for (name, elapsed) in [("scratch loop", scratch), ("tokio", tokio)] {
        if let Some(e) = elapsed.map(|e| e.as_secs_f64()) {
            say!(
                "  {name:<12} elapsed {e:.3} s = {:.2} x longest wait, {:.2} x their sum",
                e / longest,
                e / sum
            );
        }
    }
}

fn at(d: Duration) -> String {
    format!("+{:.3}s", d.as_secs_f64())
}

struct Summary {
    tasks: usize,
    clients: u32,
    elapsed: Duration,
    matches: Option<bool>,
    stats: Option<Stats>,
    tokio_elapsed: Option<Duration>,
    longest: Duration,
    sum: Duration,
    ideal: Duration,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let na = || "na".to_string();
        let count =
            |get: fn(&Stats) -> usize| self.stats.as_ref().map_or_else(na, |s| get(s).to_string());
        write!(
            f,
            "summary: tasks={} clients={} elapsed_s={:.3} results_match_tokio={} parks_on_io={} wakeups={} \
             polls={} ideal_s={:.3} longest_wait_s={:.3} sum_of_waits_s={:.3} tokio_elapsed_s={}",
            self.tasks,
            self.clients,
            self.elapsed.as_secs_f64(),
            self.matches.map_or_else(na, |m| m.to_string()),
            count(|s| s.parks_on_io),
            count(|s| s.wakeups),
            count(|s| s.polls),
            self.ideal.as_secs_f64(),
            self.longest.as_secs_f64(),
            self.sum.as_secs_f64(),
            self.tokio_elapsed
                .map_or_else(na, |d| format!("{:.3}", d.as_secs_f64())),
        )
    }
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
        let (ours, stats) = run_on_scratch_loop(sc, false).unwrap();
        let (theirs, _) = on_tokio::run(sc).unwrap();
        let key = |rs: &[Record]| {
            rs.iter()
                .map(|r| (r.task.clone(), r.value.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(key(&ours), key(&theirs));
        assert_eq!(
            order(&ours),
            "server nap echo-1 client-1 echo-2 client-2 rest long",
            "the finish order follows the waits"
        );
        assert_eq!(stats.tasks, sc.task_count());
        // At least: the server on accept, and every client on the read of its reply.
        assert!(stats.parks_on_io > sc.clients as usize, "{stats:?}");
    }

    #[test]
    fn scenario_waits() {
        let sc = Scenario {
            clients: 3,
            step: Duration::from_millis(100),
        };
        assert_eq!(sc.longest_wait(), Duration::from_millis(350));
        assert_eq!(sc.sum_of_waits(), Duration::from_millis(1250));
        assert_eq!(sc.task_count(), 10);
    }
}
