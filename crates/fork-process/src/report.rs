//! The harness: the children's table, medians, the closing summary line and the
//! closed-pipe hook.

use std::fmt;
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::wait::WaitStatus;
use nix::unistd::Pid;

use crate::children::{Child, describe};

/// What the run measured, printed last as the `summary:` line.
pub struct Summary {
    pub children: u32,
    pub parent_pid: Pid,
    pub ppid_matches: bool,
    /// The child's write did not reach the parent's copy.
    pub memory_separate: bool,
    /// The thread's write is what main read afterwards.
    pub thread_write_seen: bool,
    /// Medians: a thread started and joined; a process forked, exited and reaped.
    pub thread_us: f64,
    pub fork_us: f64,
    pub sequential: Timed,
    pub forked: Timed,
    pub results_equal: bool,
    pub formula_matches: bool,
    pub total: u128,
    pub children_left: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
            self.sequential.wall,
            self.sequential.cpu,
            self.forked.wall,
            self.forked.cpu,
            self.forked.cpu / self.forked.wall,
            // Against the sequential run's CPU time, not its wall time: other programs can
            // stretch a wall time, and N children get N shares of a contended core.
            self.sequential.cpu / self.forked.wall,
            self.results_equal,
            self.formula_matches,
            self.total,
            self.children_left
        )
    }
}

/// How long a run took on the clock on the wall, and on the CPU (seconds).
#[derive(Clone, Copy)]
pub struct Timed {
    pub wall: f64,
    pub cpu: f64,
}

/// CPU time used so far by this process (RUSAGE_SELF) or by its reaped children
/// (RUSAGE_CHILDREN), user and system together, in seconds.
pub fn cpu_seconds(who: UsageWho) -> Result<f64, String> {
    let usage = getrusage(who).map_err(|e| format!("getrusage failed: {e}"))?;
    let seconds = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 * 1e-6;
    Ok(seconds(usage.user_time()) + seconds(usage.system_time()))
}

/// What a thread and a process cost to start and finish.
pub fn print_costs(rounds: usize, thread_us: f64, fork_us: f64) {
    println!("to start and finish, median of {rounds} each:");
    println!("  a thread  (spawn, join)        {thread_us:>8.1} us");
    println!("  a process (fork, exit, reap)   {fork_us:>8.1} us");
    println!("  a process costs {:.1} threads\n", fork_us / thread_us);
}

/// The forked total against the sequential one and the closed form, and the speedup.
pub fn print_check(sequential: u128, forked: u128, formula: u128, seq: Timed, par: Timed) {
    println!(
        "check: sequential == forked: {}; both == n(n-1)(2n-1)/6 = {formula}: {}",
        sequential == forked,
        sequential == formula
    );
    println!(
        "speedup {:.2}x: the sum's {:.3} s of CPU work done in {:.3} s of wall time by the \
         children, who kept {:.2} cores busy",
        seq.cpu / par.wall,
        seq.cpu,
        par.wall,
        par.cpu / par.wall
    );
}

/// The median of the measured durations, in microseconds.
pub fn median_us(mut times: Vec<Duration>) -> f64 {
    times.sort_unstable();
    times
        .get(times.len() / 2)
        .map_or(0.0, |d| d.as_secs_f64() * 1e6)
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
