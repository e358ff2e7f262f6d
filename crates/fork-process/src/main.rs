//! fork() makes a second process: a copy of this one with its own memory. Part one forks a
//! single child: both print their pids, the child's parent pid is ours, and the child's
//! change to a variable never reaches the parent, although both see it at the same address;
//! a thread's change to the same kind of variable does, because threads share the memory.
//! Part two measures what each costs to start: a thread started and joined, a process
//! forked and reaped. Part three splits a CPU-bound sum (of i*i for i below --size) over
//! --children processes that send their parts back through pipes, checks the total
//! against a sequential run, and reaps every child with waitpid.
//!
//! Run: `cargo run --release -p fork-process`, or
//! `cargo run --release -p fork-process -- --children 2 --size 1000000000`;
//! `--fail-child 2` makes child 2 fail, to show the parent noticing and cleaning up.
//!
//! Look for: one address, two values after a fork, one after a thread; a fork costing
//! several threads; each child's exit status; "no child left"; the forked sum's speedup.
//! Kill the parent alone (`kill <pid>`) and its children die with it.

mod children;
mod report;
mod sum;

use std::io::{Read, Write};
use std::process::ExitCode;
use std::thread;
use std::time::Instant;

use clap::{CommandFactory, Parser};
use nix::sys::resource::UsageWho;
use nix::sys::wait::waitpid;
use nix::unistd::{getpid, getppid};

use children::{Child, fork_with_pipe};
use report::{Summary, Timed, cpu_seconds};
use sum::{closed_form, sequential_sum, split, sum_of_squares};

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
}

/// Threads started and processes forked to measure what each costs (the median is shown).
const ROUNDS: usize = 200;

fn main() -> ExitCode {
    report::end_quietly_on_closed_pipe();
    let args = Args::parse();
    if args.fail_child.is_some_and(|k| k > args.children) {
        Args::command()
            .error(
                clap::error::ErrorKind::ValueValidation,
                "--fail-child must name one of the children (1..=--children)",
            )
            .exit();
    }
    match run(&args) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &Args) -> Result<Summary, String> {
    let (ppid_matches, memory_separate) = a_child_gets_a_copy_of_the_memory()?;
    let thread_write_seen = a_thread_shares_the_memory();
    let (thread_us, fork_us) = what_a_thread_and_a_process_cost()?;
    let (forked, forked_time) = forked_sum(args.children, args.size, args.fail_child)?;
    let (sequential, sequential_time) = sequential_sum(args.size)?;
    let formula = closed_form(args.size);
    report::print_check(sequential, forked, formula, sequential_time, forked_time);
    Ok(Summary {
        children: args.children,
        parent_pid: getpid(),
        ppid_matches,
        memory_separate,
        thread_write_seen,
        thread_us,
        fork_us,
        sequential: sequential_time,
        forked: forked_time,
        results_equal: sequential == forked,
        formula_matches: sequential == formula,
        total: forked,
        children_left: children::children_left()?,
    })
}

// ---- Part one: memory, copied for a child, shared with a thread ---------------------------

// ANCHOR: copy
/// Forks one child that reports its parent pid and changes a variable; the parent then
/// shows its own copy. Returns (child's ppid == our pid, parent's copy unchanged).
fn a_child_gets_a_copy_of_the_memory() -> Result<(bool, bool), String> {
    let mut value: u64 = 100;
    let me = getpid();
    println!(
        "parent  pid {me}: value = {value} at {:p}; forking one child",
        &value
    );
    let (child, mut from_child) = fork_with_pipe(me, |mut to_parent| {
        value = 999; // the child's own copy of the page: the parent never sees this
        let ppid = getppid();
        // Send first, then speak: if our stdout is gone, the parent still gets its answer.
        let sent = write!(to_parent, "{ppid} {value}");
        println!("  child pid {}: parent pid (getppid) = {ppid}", getpid());
        println!(
            "  child pid {}: set value = {value} at {:p}",
            getpid(),
            &value
        );
        sent.map_err(|_| children::SEND_FAILED)
    })?;
    let mut message = String::new();
    let received = from_child.read_to_string(&mut message);
    // Reap the child before anything can go wrong, so it never lingers as a zombie.
    let status = waitpid(child, None).map_err(|e| format!("waitpid failed: {e}"))?;
    received.map_err(|e| format!("child {child} sent nothing back ({e})"))?;
    let (child_ppid, child_value) = message.split_once(' ').unwrap_or_default();
    println!(
        "parent  pid {me}: child {child} {}",
        children::describe(status)
    );
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

// ---- Part two: what a thread and a process cost to start ---------------------------------

/// Starts and joins ROUNDS threads that do nothing, then forks and reaps ROUNDS children
/// that do nothing; returns the median microseconds of each. A process is heavier: the
/// kernel copies the page tables and, at exit, tears the whole address space down.
fn what_a_thread_and_a_process_cost() -> Result<(f64, f64), String> {
    let mut thread_us = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        thread::Builder::new()
            .spawn(|| {})
            .and_then(|t| t.join().map_err(|_| std::io::Error::other("panicked")))
            .map_err(|e| format!("could not start a thread: {e}"))?;
        thread_us.push(started.elapsed());
    }
    let mut fork_us = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let child = children::fork_and_exit_at_once()?;
        waitpid(child, None).map_err(|e| format!("waitpid failed: {e}"))?;
        fork_us.push(started.elapsed());
    }
    let (thread_us, fork_us) = (report::median_us(thread_us), report::median_us(fork_us));
    report::print_costs(ROUNDS, thread_us, fork_us);
    Ok((thread_us, fork_us))
}

// ---- Part three: a CPU-bound sum over N children ------------------------------------------

/// Forks one child per range; each sums its range and writes the 16-byte result to its
/// pipe. The parent reads every pipe, then reaps every child, whatever went wrong before:
/// no early return sits between the first fork and the last waitpid.
fn forked_sum(children: u32, size: u64, fail: Option<u32>) -> Result<(u128, Timed), String> {
    println!("forking {children} children to share the sum of i*i for i < {size} ...");
    let parent = getpid();
    let (started, cpu_before) = (Instant::now(), cpu_seconds(UsageWho::RUSAGE_CHILDREN)?);
    let mut running: Vec<Child> = Vec::new();
    let mut fork_error = None;
    for (number, range) in (1..).zip(split(size, children)) {
        let range_in_child = range.clone();
        let forked = fork_with_pipe(parent, move |mut to_parent| {
            if fail == Some(number) {
                println!("  child {number} (pid {}): failing on purpose", getpid());
                return Err(children::SIMULATED_FAILURE);
            }
            let part = sum_of_squares(range_in_child);
            let sent = to_parent.write_all(&part.to_le_bytes());
            sent.map_err(|_| children::SEND_FAILED)
        });
        match forked {
            Ok((pid, results)) => running.push(Child::new(number, pid, range, results)),
            Err(e) => {
                fork_error = Some(e);
                break;
            }
        }
    }
    let parts: Vec<Result<u128, String>> = running.iter_mut().map(Child::read_part).collect();
    let statuses: Vec<_> = running.iter().map(|c| waitpid(c.pid, None)).collect();
    let wall = started.elapsed().as_secs_f64();
    // The children's CPU time counts once they are reaped, and only then.
    let cpu = cpu_seconds(UsageWho::RUSAGE_CHILDREN)? - cpu_before;

    let failures = report::children_table(&running, &parts, &statuses);
    if let Some(e) = fork_error {
        return Err(e);
    }
    if !failures.is_empty() {
        return Err(format!(
            "{}; its part of the sum is missing, every child was reaped; \
             rerun without --fail-child",
            failures.join(", ")
        ));
    }
    let total = parts.into_iter().flatten().sum();
    println!("forked:     sum of the parts = {total} in {wall:.3} s ({cpu:.3} s of CPU)");
    Ok((total, Timed { wall, cpu }))
}
