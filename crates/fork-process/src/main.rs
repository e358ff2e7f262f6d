//! fork() makes a second process: a copy of this one, with its own memory. A forked
//! child's write to a variable never reaches the parent, though both see it at the same
//! address; a thread's write to the same kind of variable does, as threads share memory.
//! Then: what a thread and a process each cost to start, what handing them the same data
//! costs (a reference to a thread; the bytes through a pipe to a child), and a CPU-bound sum (of i*i for
//! i below --size) split over --children processes that send their parts back through
//! pipes, checked against a sequential run, every child reaped with waitpid.
//!
//! Run: `cargo run --release -p fork-process`, or
//! `cargo run --release -p fork-process -- --children 2 --size 1000000000`;
//! `--fail-child 2` makes child 2 fail, to show the parent noticing and cleaning up.
//!
//! Look for: one address, two values after a fork, one after a thread; a fork costing
//! several threads; each child's exit status; "no child left"; the forked sum's speedup.
//! Kill the parent alone (`kill <pid>`) and its children die with it. `--trace t.json`
//! writes the run for Perfetto or vizviewer: a lane per child, from fork to reap.

mod args;
mod children;
mod clock;
mod handoff;
mod limits;
mod machine;
mod output;
mod recording;
mod report;
mod sum;
mod trace;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;
use std::time::Instant;

use anyhow::{Context, anyhow};
use clap::Parser;
use nix::sys::resource::UsageWho;
use nix::sys::wait::waitpid;
use nix::unistd::{getpid, getppid};

use children::{Child, describe, fork_with_pipe};
use clock::{Clock, Timed};
use report::Summary;
use sum::{closed_form, sequential_sum, split, sum_of_squares};
use trace::Trace;

/// fork with nix: parent and child ids, separate memory (threads share theirs), the cost
/// of a thread and of a process, and children that share a CPU-bound sum over pipes.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many child processes share the sum
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    children: u32,

    /// The sum runs over i*i for every i below SIZE (about half a nanosecond per i)
    #[arg(long, default_value_t = 500_000_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000_000_000))]
    size: u64,

    /// Make child K (1-based) exit with status 3 instead of sending its part
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..))]
    fail_child: Option<u32>,

    /// The largest buffer handed to a thread and to a child process, in MiB (the others
    /// are 1 KiB, 64 KiB and 1 MiB)
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=1024))]
    handoff_mib: u64,

    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

/// Threads started and processes forked to measure what each costs (the median is shown).
const ROUNDS: usize = 200;

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = Args::parse();
    args::fail_child_names_a_child(&args);
    match run(&args) {
        Ok(summary) => println!("{summary}"),
        Err(error) => {
            eprintln!("error: {error:#}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn run(args: &Args) -> anyhow::Result<Summary> {
    let (n, size) = (args.children, args.size);
    limits::check_room_for(n)?;
    let trace = match args.trace {
        Some(_) => Trace::new(Instant::now()),
        None => Trace::off(),
    };
    let copied = a_child_gets_a_copy_of_the_memory(&trace)?;
    let shared = a_thread_shares_the_memory();
    let costs = what_a_thread_and_a_process_cost()?;
    let handoff = handoff::to_a_thread_and_to_a_process(args.handoff_mib)?;
    handoff::print(&handoff);
    let forked = forked_sum(n, size, args.fail_child, &trace)?;
    let began = Instant::now();
    let sequential = sequential_sum(size)?;
    recording::sequential(&trace, size, began, Instant::now());
    let sums = report::check(sequential, forked, closed_form(size), n);
    let left = children::children_left()?;
    println!("ideal_s = 0.000: the run waits for nothing on purpose; all of it is work");
    recording::write(&trace, args.trace.as_deref())?;
    Ok(Summary::new(n, copied, shared, costs, handoff, sums, left))
}

// ANCHOR: copy
/// Forks one child that reports its parent pid and changes a variable; the parent then
/// shows its own copy. Returns (child's ppid == our pid, parent's copy unchanged).
fn a_child_gets_a_copy_of_the_memory(trace: &Trace) -> anyhow::Result<(bool, bool)> {
    let mut value: u64 = 100;
    let me = getpid();
    println!(
        "parent  pid {me}: value = {value} at {:p}; forking one child",
        &value
    );
    let forked = Instant::now();
    let (child, from_child) = fork_with_pipe(me, |mut to_parent| {
        value = 999; // the child's own copy of the page: the parent never sees this
        let ppid = getppid();
        // Send first, then speak: if our stdout is gone, the parent still gets its answer.
        let sent = write!(to_parent, "{ppid} {value}");
        let pid = getpid();
        println!("  child pid {pid}: parent pid (getppid) = {ppid}");
        println!("  child pid {pid}: set value = {value} at {:p}", &value);
        sent.map_err(|_| children::SEND_FAILED)
    })?;
    // Read until the child's end of the pipe closes, then reap it: no zombie is left.
    let (message, status) = children::read_all_then_reap(child, from_child)?;
    recording::the_copy(trace, child, forked, Instant::now(), &describe(status));
    let (child_ppid, child_value) = message.split_once(' ').unwrap_or_default();
    println!("parent  pid {me}: child {child} {}", describe(status));
    println!(
        "parent  pid {me}: value = {value} at {:p} (the child's copy became {child_value})",
        &value
    );
    let ppid_matches = child_ppid == me.to_string();
    let separate = value == 100 && child_value == "999";
    println!("child's parent pid matches: {ppid_matches}; memory separate: {separate}\n");
    Ok((ppid_matches, separate))
}
// ANCHOR_END: copy

// ANCHOR: share
/// The same experiment with a thread: it borrows the very variable main holds, so its
/// write is main's value. Returns whether main saw the thread's write.
fn a_thread_shares_the_memory() -> bool {
    let mut value: u64 = 100;
    println!(
        "main    thread: value = {value} at {:p}; starting one thread",
        &value
    );
    thread::scope(|s| {
        s.spawn(|| {
            value = 999; // the one and only copy: threads share the process's memory
            println!("  thread: set value = {value} at {:p}", &value);
        });
    }); // the scope joins the thread: its write is done, and visible, here
    println!("main    thread: value = {value} at {:p} after join", &value);
    println!("the thread's write is main's value: {}\n", value == 999);
    value == 999
}
// ANCHOR_END: share

/// Starts and joins ROUNDS threads that do nothing, then forks and reaps ROUNDS children
/// that do nothing; returns the median microseconds of each. A process is heavier: the
/// kernel copies the page tables and, at exit, tears the whole address space down.
fn what_a_thread_and_a_process_cost() -> anyhow::Result<(f64, f64)> {
    let thread_us = clock::median_us(ROUNDS, || {
        let thread = thread::Builder::new().spawn(|| {});
        let thread = thread.context("cannot start a thread (see ulimit -u)")?;
        thread
            .join()
            .map_err(|_| anyhow!("an empty thread panicked"))
    })?;
    let fork_us = clock::median_us(ROUNDS, || {
        let child = children::fork_and_exit_at_once()?;
        children::reap(child).map(drop)
    })?;
    report::print_costs(ROUNDS, thread_us, fork_us);
    Ok((thread_us, fork_us))
}

/// Forks one child per range; each sums its range and writes the 16-byte result to its
/// pipe. The parent reads every pipe, then reaps every child, whatever went wrong before:
/// no early return sits between the first fork and the last waitpid.
fn forked_sum(
    children: u32,
    size: u64,
    fail: Option<u32>,
    trace: &Trace,
) -> anyhow::Result<(u128, Timed)> {
    println!("forking {children} children to share the sum of i*i for i < {size} ...");
    let clock = Clock::start(UsageWho::RUSAGE_CHILDREN)?;
    let (mut running, fork_error) =
        children::fork_each(split(size, children), |number, range, mut to_parent| {
            if fail == Some(number) {
                println!("  child {number} (pid {}): failing on purpose", getpid());
                return Err(children::SIMULATED_FAILURE);
            }
            let began = Instant::now();
            let part = sum_of_squares(range);
            let message = children::message(part, trace.start(), began, Instant::now());
            let sent = to_parent.write_all(&message); // its part, and when it summed it
            sent.map_err(|_| children::SEND_FAILED)
        });
    let parts: Vec<anyhow::Result<u128>> = running.iter_mut().map(Child::read_part).collect();
    let statuses: Vec<_> = (running.iter_mut())
        .map(|child| {
            let status = waitpid(child.pid, None);
            child.reaped = Some(Instant::now()); // the end of its lane in the trace
            status
        })
        .collect();
    // The children's CPU time counts once they are reaped, and only then.
    let time = clock.stop()?;
    let failures = report::children_table(&running, &parts, &statuses);
    recording::the_sum(trace, &running, &statuses);
    children::none_failed(fork_error, failures)?;
    let total = parts.into_iter().flatten().sum();
    report::print_forked(total, time);
    Ok((total, time))
}
