//! fork() makes a second process: a copy of this one with its own memory. Part one forks a
//! single child: both print their pids, the child's parent pid is ours, and the child's
//! change to a variable never reaches the parent, although both see it at the same address.
//! Part two splits a CPU-bound sum (of i*i for i below --size) over --children processes;
//! each sends its part back through a pipe, the parent adds them up, checks the total
//! against a sequential run, and reaps every child with waitpid, printing its exit status.
//!
//! Run: `cargo run --release -p fork-process`, or
//! `cargo run --release -p fork-process -- --children 2 --size 1000000000`;
//! `--fail-child 2` makes child 2 fail, to show the parent noticing and cleaning up.
//!
//! Look for: child's parent pid = parent's pid; the two values at one address; each child's
//! exit status; "no child left"; the speedup of the forked sum over the sequential one.

use std::fs::File;
use std::io::{Read, Write};
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;
use std::time::Instant;

use clap::{CommandFactory, Parser};
use nix::errno::Errno;
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpid, getppid, pipe};

/// fork with nix: parent and child ids, separate memory, waitpid and exit statuses, and
/// children that share a CPU-bound sum over pipes.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many child processes share the sum
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    children: u32,

    /// The sum runs over i*i for every i below SIZE (about 1 ns per i on one core)
    #[arg(long, default_value_t = 200_000_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000_000_000))]
    size: u64,

    /// Make child K (1-based) exit with status 3 instead of sending its part
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..))]
    fail_child: Option<u32>,
}

/// Exit status of a child that was told to fail (--fail-child).
const SIMULATED_FAILURE: i32 = 3;
/// Exit status of a child whose result could not be sent.
const SEND_FAILED: i32 = 2;
/// Exit status of a child that panicked.
const CHILD_PANICKED: i32 = 101;

struct Summary {
    children: u32,
    parent_pid: Pid,
    ppid_matches: bool,
    memory_separate: bool,
    sequential_s: f64,
    parallel_s: f64,
    results_equal: bool,
    formula_matches: bool,
    total: u128,
    children_left: usize,
}

fn main() -> ExitCode {
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
        Ok(s) => {
            println!(
                "summary: children={} parent_pid={} child_ppid_matches={} memory_separate={} \
                 sequential_s={:.3} parallel_s={:.3} speedup={:.2} results_equal={} \
                 formula_matches={} total={} children_left={} ideal_s=0.000",
                s.children,
                s.parent_pid,
                s.ppid_matches,
                s.memory_separate,
                s.sequential_s,
                s.parallel_s,
                s.sequential_s / s.parallel_s,
                s.results_equal,
                s.formula_matches,
                s.total,
                s.children_left
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &Args) -> Result<Summary, String> {
    let (ppid_matches, memory_separate) = parent_and_child()?;
    let (sequential, sequential_s) = sequential_sum(args.size);
    let (parallel, parallel_s) = forked_sum(args.children, args.size, args.fail_child)?;
    let formula = closed_form(args.size);
    println!(
        "check: sequential == forked: {}; both == n(n-1)(2n-1)/6 = {formula}: {}",
        sequential == parallel,
        sequential == formula
    );
    let children_left = children_left()?;
    Ok(Summary {
        children: args.children,
        parent_pid: getpid(),
        ppid_matches,
        memory_separate,
        sequential_s,
        parallel_s,
        results_equal: sequential == parallel,
        formula_matches: sequential == formula,
        total: parallel,
        children_left,
    })
}

// ---- Part one: one parent, one child --------------------------------------------------

/// Forks one child that reports its parent pid and changes a variable; the parent then
/// shows its own copy. Returns (child's ppid == our pid, parent's copy unchanged).
fn parent_and_child() -> Result<(bool, bool), String> {
    let mut value: u64 = 100;
    let me = getpid();
    println!(
        "parent  pid {me}: value = {value} at {:p}; forking one child",
        &value
    );
    let (from_child, to_parent) = pipe().map_err(|e| format!("pipe failed: {e}; {FD_HINT}"))?;
    flush_stdout();

    // SAFETY: the process is single-threaded here (no runtime, no thread was started), so
    // the child's copy holds no lock another thread owned; the child only prints, writes to
    // a pipe and ends in exit_child, never returning into the parent's code.
    match unsafe { fork() } {
        Err(e) => Err(format!("fork failed: {e}; {FORK_HINT}")),
        Ok(ForkResult::Child) => {
            drop(from_child);
            exit_child(|| {
                value = 999;
                let ppid = getppid();
                println!("  child pid {}: parent pid (getppid) = {ppid}", getpid());
                println!(
                    "  child pid {}: set value = {value} at {:p}",
                    getpid(),
                    &value
                );
                let mut message = [0u8; 12];
                message[..4].copy_from_slice(&ppid.as_raw().to_le_bytes());
                message[4..].copy_from_slice(&value.to_le_bytes());
                File::from(to_parent)
                    .write_all(&message)
                    .map_err(|_| SEND_FAILED)
            })
        }
        Ok(ForkResult::Parent { child }) => {
            drop(to_parent);
            let mut message = [0u8; 12];
            let received = File::from(from_child).read_exact(&mut message);
            // Reap the child before anything can go wrong, so it never lingers as a zombie.
            let status = waitpid(child, None).map_err(|e| format!("waitpid failed: {e}"))?;
            received.map_err(|e| format!("child {child} sent nothing back ({e})"))?;
            let child_ppid = i32::from_le_bytes(message[..4].try_into().unwrap_or_default());
            let child_value = u64::from_le_bytes(message[4..].try_into().unwrap_or_default());
            println!("parent  pid {me}: child {child} {}", describe(status));
            println!(
                "parent  pid {me}: value = {value} at {:p} (the child's copy became {child_value})",
                &value
            );
            let ppid_matches = child_ppid == me.as_raw();
            let separate = value == 100 && child_value == 999;
            println!("child's parent pid matches: {ppid_matches}; memory separate: {separate}\n");
            Ok((ppid_matches, separate))
        }
    }
}

// ---- Part two: a CPU-bound sum over N children ------------------------------------------

/// The CPU-bound job: the sum of i*i over a range. `black_box` keeps the compiler from
/// replacing the loop by its closed form, which would make the timing meaningless.
/// `inline(never)`: the sequential run and the children then execute the same machine code.
#[inline(never)]
fn sum_of_squares(range: Range<u64>) -> u128 {
    let mut total: u128 = 0;
    for i in range {
        let i = std::hint::black_box(i) as u128;
        total += i * i;
    }
    total
}

/// The same sum by formula, as an independent check: n(n-1)(2n-1)/6 for i in 0..n.
fn closed_form(n: u64) -> u128 {
    let n = n as u128;
    n * n.saturating_sub(1) * (2 * n).saturating_sub(1) / 6
}

/// Splits 0..size into `parts` contiguous ranges whose lengths differ by at most one.
fn split(size: u64, parts: u32) -> Vec<Range<u64>> {
    let parts = u64::from(parts);
    let (base, extra) = (size / parts, size % parts);
    let mut start = 0;
    (0..parts)
        .map(|k| {
            let len = base + u64::from(k < extra);
            let range = start..start + len;
            start += len;
            range
        })
        .collect()
}

fn sequential_sum(size: u64) -> (u128, f64) {
    let started = Instant::now();
    let total = sum_of_squares(0..size);
    let secs = started.elapsed().as_secs_f64();
    println!("sequential: sum of i*i for i < {size} = {total} in {secs:.3} s");
    (total, secs)
}

/// One forked worker as the parent sees it.
struct Child {
    number: u32,
    pid: Pid,
    range: Range<u64>,
    results: File,
}

/// Forks one child per range; each sums its range and writes the 16-byte result to its
/// pipe. The parent reads every pipe, then reaps every child, whatever went wrong before:
/// no early return sits between the first fork and the last waitpid.
fn forked_sum(children: u32, size: u64, fail: Option<u32>) -> Result<(u128, f64), String> {
    let started = Instant::now();
    let mut running: Vec<Child> = Vec::new();
    let mut fork_error = None;
    for (number, range) in (1..).zip(split(size, children)) {
        let (results, to_parent) = match pipe() {
            Ok(ends) => ends,
            Err(e) => {
                fork_error = Some(format!("pipe failed: {e}; {FD_HINT}"));
                break;
            }
        };
        flush_stdout();
        // SAFETY: single-threaded here (no runtime, no thread started), so the child's copy
        // holds no lock another thread owned. The child only sums, writes to its pipe and
        // ends in exit_child; it never returns into this loop.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                drop(results);
                let range_in_child = range.clone();
                exit_child(move || {
                    if fail == Some(number) {
                        println!("  child {number} (pid {}): failing on purpose", getpid());
                        return Err(SIMULATED_FAILURE);
                    }
                    let part = sum_of_squares(range_in_child);
                    File::from(to_parent)
                        .write_all(&part.to_le_bytes())
                        .map_err(|_| SEND_FAILED)
                })
            }
            Ok(ForkResult::Parent { child }) => {
                // Drop our copy of the write end: then the pipe reports end-of-file as soon
                // as the child is gone, even if it died before writing.
                drop(to_parent);
                running.push(Child {
                    number,
                    pid: child,
                    range,
                    results: File::from(results),
                });
            }
            Err(e) => {
                fork_error = Some(format!("fork failed: {e}; {FORK_HINT}"));
                break;
            }
        }
    }

    let parts: Vec<Result<u128, String>> = running.iter_mut().map(read_part).collect();
    let statuses: Vec<Result<WaitStatus, Errno>> =
        running.iter().map(|c| waitpid(c.pid, None)).collect();
    let secs = started.elapsed().as_secs_f64();

    println!(
        "forked: {} children; the parent reaped each with waitpid:",
        running.len()
    );
    println!(
        "  {:>5}  {:>8}  {:<27}  {:<40}  exit status",
        "child", "pid", "range of i", "part of the sum"
    );
    let mut failures = Vec::new();
    for ((c, part), status) in running.iter().zip(&parts).zip(&statuses) {
        let shown_part = part.as_ref().map_or_else(|e| e.clone(), |p| p.to_string());
        let shown_status = status
            .as_ref()
            .map_or_else(|e| format!("waitpid failed: {e}"), |s| describe(*s));
        let range = format!("{}..{}", c.range.start, c.range.end);
        println!(
            "  {:>5}  {:>8}  {range:<27}  {shown_part:<40}  {shown_status}",
            c.number, c.pid
        );
        if part.is_err() || !matches!(status, Ok(WaitStatus::Exited(_, 0))) {
            failures.push(format!("child {} (pid {}) {shown_status}", c.number, c.pid));
        }
    }
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
    println!("forked:     sum of the parts = {total} in {secs:.3} s");
    Ok((total, secs))
}

/// Reads one child's 16-byte result; end-of-file first means it died without sending.
fn read_part(child: &mut Child) -> Result<u128, String> {
    let mut bytes = [0u8; 16];
    match child.results.read_exact(&mut bytes) {
        Ok(()) => Ok(u128::from_le_bytes(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Err("(nothing: pipe closed)".to_string())
        }
        Err(e) => Err(format!("(read failed: {e})")),
    }
}

// ---- Shared by both parts -------------------------------------------------------------

const FORK_HINT: &str = "the system may be out of processes or memory (see ulimit -u)";
const FD_HINT: &str = "the process may be out of file descriptors (see ulimit -n)";

/// Whatever sits in our stdout buffer would be copied into the child and printed twice.
fn flush_stdout() {
    let _ = std::io::stdout().flush();
}

/// Runs the child's work and ends the child right there, with the work's exit status.
///
/// The child must never return into main: it would run the parent's remaining code a
/// second time. A panic is caught for the same reason. std::process::exit runs no
/// destructors of the parent's values; the stdout it flushes holds only the child's lines.
fn exit_child(work: impl FnOnce() -> Result<(), i32>) -> ! {
    let code = match catch_unwind(AssertUnwindSafe(work)) {
        Ok(Ok(())) => 0,
        Ok(Err(code)) => code,
        Err(_) => CHILD_PANICKED,
    };
    flush_stdout();
    std::process::exit(code)
}

/// A wait status in words, as a shell would describe it.
fn describe(status: WaitStatus) -> String {
    match status {
        WaitStatus::Exited(_, code) => format!("exited with status {code}"),
        WaitStatus::Signaled(_, signal, _) => format!("was killed by {signal:?}"),
        other => format!("changed state: {other:?}"),
    }
}

/// Asks the kernel whether any child is left to reap: ECHILD means none.
fn children_left() -> Result<usize, String> {
    match waitpid(None::<Pid>, Some(WaitPidFlag::WNOHANG)) {
        Err(Errno::ECHILD) => {
            println!("children left: none (waitpid(-1, WNOHANG) says ECHILD: nothing to reap)");
            Ok(0)
        }
        Ok(status) => Err(format!(
            "a child was still unreaped at the end ({status:?}); this is a bug in the demo"
        )),
        Err(e) => Err(format!("waitpid(-1) failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_covers_the_range_without_gaps() {
        for (size, parts) in [(10, 3), (3, 5), (1_000_001, 4), (7, 1)] {
            let ranges = split(size, parts);
            assert_eq!(ranges.len(), parts as usize);
            assert_eq!(ranges[0].start, 0);
            assert_eq!(ranges.last().unwrap().end, size);
            for pair in ranges.windows(2) {
                assert_eq!(pair[0].end, pair[1].start);
            }
            let lens: Vec<u64> = ranges.iter().map(|r| r.end - r.start).collect();
            assert!(lens.iter().max().unwrap() - lens.iter().min().unwrap() <= 1);
        }
    }

    #[test]
    fn loop_and_formula_agree() {
        for n in [0, 1, 2, 3, 10, 12_345] {
            assert_eq!(sum_of_squares(0..n), closed_form(n), "n = {n}");
        }
    }

    #[test]
    fn parts_add_up_to_the_whole() {
        let whole = sum_of_squares(0..100_003);
        let parts: u128 = split(100_003, 7).into_iter().map(sum_of_squares).sum();
        assert_eq!(parts, whole);
    }
}
