//! The harness: the children's table, the check of the totals, the closing summary line
//! (or the error line) and the closed-pipe hook.

use std::fmt;
use std::process::ExitCode;

use nix::errno::Errno;
use nix::sys::wait::WaitStatus;
use nix::unistd::{Pid, getpid};

use crate::children::{Child, describe};
use crate::clock::Timed;

/// What the run measured, printed last as the `summary:` line.
pub struct Summary {
    children: u32,
    parent_pid: Pid,
    /// The child's ppid was our pid; its write did not reach the parent's copy.
    ppid_matches: bool,
    memory_separate: bool,
    /// The thread's write is what main read afterwards.
    thread_write_seen: bool,
    /// Medians: a thread started and joined; a process forked, exited and reaped.
    thread_us: f64,
    fork_us: f64,
    sums: Sums,
    children_left: usize,
}

impl Summary {
    pub fn new(
        children: u32,
        (ppid_matches, memory_separate): (bool, bool),
        thread_write_seen: bool,
        (thread_us, fork_us): (f64, f64),
        sums: Sums,
        children_left: usize,
    ) -> Self {
        Summary {
            children,
            parent_pid: getpid(),
            ppid_matches,
            memory_separate,
            thread_write_seen,
            thread_us,
            fork_us,
            sums,
            children_left,
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.sums;
        write!(
            f,
            "summary: children={} parent_pid={} child_ppid_matches={} memory_separate={} \
             thread_write_seen={} thread_start_join_us={:.1} fork_reap_us={:.1} \
             sequential_s={:.3} sequential_cpu_s={:.3} parallel_s={:.3} children_cpu_s={:.3} \
             cores_busy={:.2} speedup={:.2} results_equal={} \
             formula_matches={} total={} children_left={} ideal_s=0.000",
            self.children,
            self.parent_pid,
            self.ppid_matches,
            self.memory_separate,
            self.thread_write_seen,
            self.thread_us,
            self.fork_us,
            s.sequential.wall,
            s.sequential.cpu,
            s.forked.wall,
            s.forked.cpu,
            s.forked.cpu / s.forked.wall,
            // Against the sequential run's CPU time, not its wall time: other programs can
            // stretch a wall time, and N children get N shares of a contended core.
            s.sequential.cpu / s.forked.wall,
            s.results_equal,
            s.formula_matches,
            s.total,
            self.children_left
        )
    }
}

/// The summary line and status 0, or the one `error:` line and status 1.
pub fn summary_or_error(run: Result<Summary, String>) -> ExitCode {
    match run {
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

/// The sum's two runs, their times, and whether they and the closed form agree.
pub struct Sums {
    sequential: Timed,
    forked: Timed,
    results_equal: bool,
    formula_matches: bool,
    total: u128,
}

/// What a thread and a process cost to start and finish.
pub fn print_costs(rounds: usize, thread_us: f64, fork_us: f64) {
    println!("to start and finish, median of {rounds} each:");
    println!("  a thread  (spawn, join)        {thread_us:>8.1} us");
    println!("  a process (fork, exit, reap)   {fork_us:>8.1} us");
    println!("  a process costs {:.1} threads\n", fork_us / thread_us);
}

/// Checks the forked total against the sequential one and the closed form, and prints
/// the check and the speedup.
pub fn check(sequential: (u128, Timed), forked: (u128, Timed), formula: u128) -> Sums {
    let ((seq_total, seq), (total, par)) = (sequential, forked);
    let (results_equal, formula_matches) = (seq_total == total, seq_total == formula);
    println!(
        "check: sequential == forked: {results_equal}; both == n(n-1)(2n-1)/6 = {formula}: {formula_matches}"
    );
    println!(
        "speedup {:.2}x: the sum's {:.3} s of CPU work done in {:.3} s of wall time by the \
         children, who kept {:.2} cores busy",
        seq.cpu / par.wall,
        seq.cpu,
        par.wall,
        par.cpu / par.wall
    );
    Sums {
        sequential: seq,
        forked: par,
        results_equal,
        formula_matches,
        total,
    }
}

/// The forked run's total and times.
pub fn print_forked(total: u128, time: Timed) {
    println!(
        "forked:     sum of the parts = {total} in {:.3} s ({:.3} s of CPU)",
        time.wall, time.cpu
    );
}

/// Prints one row per child (its range, its part, its exit status) and returns a line
/// for each child that failed.
pub fn children_table(
    running: &[Child],
    parts: &[Result<u128, String>],
    statuses: &[Result<WaitStatus, Errno>],
) -> Vec<String> {
    println!(
        "forked: {} children; the parent reaped each with waitpid:",
        running.len()
    );
    println!(
        "  {:>5}  {:>8}  {:<27}  {:<40}  exit status",
        "child", "pid", "range of i", "part of the sum"
    );
    let mut failures = Vec::new();
    for ((c, part), status) in running.iter().zip(parts).zip(statuses) {
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
    failures
}

/// `demo | head` closes the pipe early, and the next `println!` then panics with
/// "Broken pipe". The reader is done, the program is not wrong: end quietly, status 0.
/// A child's panic ends only the child; the children of the sum die with the parent.
pub fn end_quietly_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.to_string().contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
