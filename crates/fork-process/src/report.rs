//! The harness: the children's table, the check of the totals, and the closing summary
//! line.

use std::fmt;

use nix::errno::Errno;
use nix::sys::wait::WaitStatus;

use crate::children::{Child, describe};
use crate::clock::Timed;
use crate::handoff::Handoff;
use crate::machine::{self, Share};
use crate::output::write_summary;

/// What the run measured, printed last as the `summary:` line.
pub struct Summary {
    children: u32,
    /// The child's ppid was our pid; its write did not reach the parent's copy.
    ppid_matches: bool,
    memory_separate: bool,
    /// The thread's write is what main read afterwards.
    thread_write_seen: bool,
    /// Medians: a thread started and joined; a process forked, exited and reaped.
    thread_us: f64,
    fork_us: f64,
    /// The largest buffer handed to a thread and to a child.
    handoff: Handoff,
    handoff_sums_equal: bool,
    sums: Sums,
    children_left: usize,
}

impl Summary {
    pub fn new(
        children: u32,
        (ppid_matches, memory_separate): (bool, bool),
        thread_write_seen: bool,
        (thread_us, fork_us): (f64, f64),
        mut handoff: Vec<Handoff>,
        sums: Sums,
        children_left: usize,
    ) -> Self {
        let handoff_sums_equal = handoff.iter().all(|h| h.sums_equal);
        let largest = handoff.pop().expect("at least one size is handed over");
        Summary {
            children,
            handoff: largest,
            handoff_sums_equal,
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
        let secs = |x: f64| format!("{x:.3}");
        write_summary(
            f,
            &[
                ("children", self.children.to_string()),
                ("child_ppid_matches", self.ppid_matches.to_string()),
                ("memory_separate", self.memory_separate.to_string()),
                ("thread_write_seen", self.thread_write_seen.to_string()),
                ("thread_start_join_us", format!("{:.1}", self.thread_us)),
                ("fork_reap_us", format!("{:.1}", self.fork_us)),
                ("sequential_cpu_s", secs(s.sequential.cpu)),
                ("parallel_s", secs(s.forked.wall)),
                ("cores_busy", format!("{:.2}", s.forked.cpu / s.forked.wall)),
                // Against the sequential run's CPU time, not its wall time: other programs
                // can stretch a wall time, and N children get N shares of a contended core.
                (
                    "speedup",
                    format!("{:.2}", s.sequential.cpu / s.forked.wall),
                ),
                (
                    "results_equal",
                    (s.results_equal && s.formula_matches && self.handoff_sums_equal).to_string(),
                ),
                ("children_left", self.children_left.to_string()),
                ("handoff_mib", (self.handoff.bytes >> 20).to_string()),
                (
                    "handoff_thread_ms",
                    format!("{:.3}", self.handoff.thread_ms),
                ),
                ("handoff_pipe_ms", format!("{:.3}", self.handoff.pipe_ms)),
                ("ideal_s", "0.000".to_string()),
            ],
        )
    }
}

/// The sum's two runs, their times, and whether they and the closed form agree.
pub struct Sums {
    sequential: Timed,
    forked: Timed,
    results_equal: bool,
    formula_matches: bool,
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
pub fn check(
    sequential: (u128, Timed),
    forked: (u128, Timed),
    formula: u128,
    children: u32,
) -> Sums {
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
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let children = (children as usize).min(cores) as f64;
    let shares = [
        Share {
            run: "sequential",
            got: seq.cpu / seq.wall,
            could: 1.0,
        },
        Share {
            run: "forked",
            got: par.cpu / par.wall,
            could: children,
        },
    ];
    if let Some(note) = machine::note(cores, &shares) {
        println!("{note}");
    }
    Sums {
        sequential: seq,
        forked: par,
        results_equal,
        formula_matches,
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
    parts: &[anyhow::Result<u128>],
    statuses: &[Result<WaitStatus, Errno>],
) -> Vec<String> {
    println!(
        "forked: {} children; the parent reaped each with waitpid (took its exit status: until\n  \
         then the kernel keeps a finished child as a zombie, to hand that status over):",
        running.len()
    );
    println!(
        "  {:>5}  {:>8}  {:<27}  {:<40}  exit status",
        "child", "pid", "range of i", "part of the sum"
    );
    let mut failures = Vec::new();
    for ((c, part), status) in running.iter().zip(parts).zip(statuses) {
        let shown_part = part
            .as_ref()
            .map_or_else(|e| format!("{e:#}"), |p| p.to_string());
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
