//! The harness: the part headings, the tables, the closing summary line, and the runtime
//! the tasks share a thread on.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::args::Plan;
use crate::output::write_summary;

pub fn part_one(plan: &Plan, unit: Duration) {
    let us = unit.as_secs_f64() * 1e6;
    println!(
        "Part 1: preemptive multitasking. {} threads (threads) spin on {} core(s) (cores) for\n\
         {} ms; none of them ever waits. A unit of work is 10,000 multiply-and-add steps, {us:.1} us\n\
         of CPU here (unit_us: the fastest of 5 timed batches), so a thread with a core to itself\n\
         for a whole {} ms window does about {:.0} units. Units each thread did, per window:\n",
        plan.threads,
        plan.cores,
        plan.duration.as_millis(),
        plan.sample.as_millis(),
        plan.sample.as_secs_f64() / unit.as_secs_f64().max(1e-12)
    );
}

/// How long one unit of work takes on this machine: the fastest of 5 batches of 200.
pub fn time_a_unit() -> Duration {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..200 {
                work_a_little();
            }
            start.elapsed() / 200
        })
        .min()
        .unwrap_or_default()
}

pub fn part_two(plan: &Plan) {
    println!(
        "\nPart 2: cooperative multitasking, one thread (tokio current_thread runtime).\n\
         A ticker task wants to tick every {} ms, {} times. At {} ms a second task starts\n\
         spinning for {} ms: first it never awaits, then it calls yield_now().await after\n\
         every slice of work (a slice: one unit of work, as in part 1).\n",
        plan.tick.as_millis(),
        plan.ticks,
        (plan.tick * 3 / 2).as_millis(),
        plan.spin.as_millis()
    );
}

pub fn part_three(plan: &Plan) {
    println!(
        "\nPart 3: what a switch costs. Two tasks on one thread hand a token back and forth\n\
         {} times (round_trips; tokio Notify), then two OS threads do the same (Mutex and\n\
         Condvar, {} core(s)); per hand-off, in the fastest round of up to 1,000 round trips:\n",
        plan.round_trips, plan.cores
    );
}

/// Units of work each thread finished in each sampling window, and how often the OS
/// preempted each thread.
pub struct Progress {
    pub windows: Vec<(f64, Vec<u64>)>,
    pub preempted: Vec<Option<u64>>,
}

impl Progress {
    /// Reads the counters every `sample` until `duration` is over.
    pub fn sample(counters: &[AtomicU64], duration: Duration, sample: Duration) -> Self {
        let start = Instant::now();
        let mut last = vec![0; counters.len()];
        let mut windows = Vec::new();
        let mut due = sample;
        while due <= duration {
            thread::sleep(due.saturating_sub(start.elapsed()));
            let now: Vec<u64> = counters.iter().map(|c| c.load(Ordering::Relaxed)).collect();
            let done = now.iter().zip(&last).map(|(n, l)| n - l).collect();
            windows.push((start.elapsed().as_secs_f64() * 1e3, done));
            last = now;
            due += sample;
        }
        Progress {
            windows,
            preempted: Vec::new(),
        }
    }

    fn threads(&self) -> usize {
        self.windows.first().map_or(0, |(_, first)| first.len())
    }
    fn total(&self, thread: usize) -> u64 {
        self.windows.iter().map(|(_, done)| done[thread]).sum()
    }
    pub fn all_progressed(&self) -> bool {
        !self.windows.is_empty() && (0..self.threads()).all(|t| self.total(t) > 0)
    }
    pub fn windows_all_advanced(&self) -> usize {
        let advanced = |done: &Vec<u64>| done.iter().all(|&n| n > 0);
        self.windows
            .iter()
            .filter(|(_, done)| advanced(done))
            .count()
    }

    pub fn print(&self) {
        let columns = |cell: &dyn Fn(usize) -> String| -> String {
            (0..self.threads())
                .map(|t| format!("{:>9}", cell(t)))
                .collect()
        };
        println!("{:>8} {}", "t_ms", columns(&|t| format!("busy-{t}")));
        for (at, done) in &self.windows {
            println!("{at:>8.0} {}", columns(&|t| done[t].to_string()));
        }
        println!("{:>8} {}", "total", columns(&|t| self.total(t).to_string()));
        let preempted = |t: usize| match self.preempted.get(t) {
            Some(Some(n)) => n.to_string(),
            _ => "-".to_string(),
        };
        println!("{:>8} {}", "preempt", columns(&preempted));
        println!(
            "\n(preempt: times the OS took the core away from the thread, from /proc; '-' where the\n\
             OS does not say.) Windows in which every thread advanced (windows_all_advanced): {} of\n\
             {} (windows); every thread progressed (threads_all_progressed): {}.",
            self.windows_all_advanced(),
            self.windows.len(),
            self.all_progressed()
        );
    }
}

/// Linux counts, per thread, the times the scheduler preempted it: the OS's own record.
pub fn involuntary_switches() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/thread-self/status").ok()?;
    let line = status
        .lines()
        .find(|l| l.starts_with("nonvoluntary_ctxt_switches:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// What the ticker saw: for each tick, when it was due and when it really ran, in ms from
/// `start`.
pub struct Ticks {
    pub start: Instant,
    pub due_fired_ms: Vec<(f64, f64)>,
    pub slices: u64,
}

impl Ticks {
    pub fn worst_late_ms(&self) -> f64 {
        self.due_fired_ms
            .iter()
            .map(|(due, fired)| fired - due)
            .fold(0.0, f64::max)
    }
}

pub fn print_ticks(tick: Duration, hogging: &Ticks, yielding: &Ticks) {
    println!(
        "{:>4} {:>8}   {:>24}   {:>24}",
        "", "", "spinner never awaits", "spinner yields"
    );
    println!(
        "{:>4} {:>8}   {:>12}{:>12}   {:>12}{:>12}",
        "tick", "due_ms", "ran_ms", "late_ms", "ran_ms", "late_ms"
    );
    let rows = hogging.due_fired_ms.iter().zip(&yielding.due_fired_ms);
    for (k, ((due, hog), (_, yld))) in rows.enumerate() {
        println!(
            "{:>4} {due:>8.0}   {hog:>12.1}{:>12.1}   {yld:>12.1}{:>12.1}",
            k + 1,
            hog - due,
            yld - due
        );
    }
    println!(
        "\nThe spinner did {} slices of work without awaiting (spin_slices), {} slices yielding\n\
         after each (yield_slices), while the ticker wanted to run every {} ms.",
        hogging.slices,
        yielding.slices,
        tick.as_millis()
    );
    println!(
        "\nworst lateness: {:.1} ms beside the spinner that never awaits (worst_late_spin_ms), \
         {:.1} ms\nbeside the one that yields (worst_late_yield_ms).",
        hogging.worst_late_ms(),
        yielding.worst_late_ms()
    );
}

/// What one hand-off cost in each game of part three, in its fastest round.
pub struct SwitchCosts {
    pub task_switch_ns: f64,
    pub thread_handoff_ns: f64,
}

impl SwitchCosts {
    pub fn print(&self) {
        let (task, thread) = (self.task_switch_ns, self.thread_handoff_ns);
        println!(
            "  {:<44} {:>10.0} ns   (task_switch_ns)",
            "task switch, two tasks on one thread", task
        );
        println!(
            "  {:<44} {:>10.0} ns   (thread_handoff_ns; {:.1} x the task switch)",
            "thread hand-off, two OS threads",
            thread,
            thread / task
        );
        println!(
            "\nA task switch stays in user space: a return from poll and the next task's poll.\n\
             A thread hand-off goes through the kernel: one thread sleeps, the OS wakes the other."
        );
    }
}

/// The one line that says what ideal_s is here.
pub fn print_ideal(plan: &Plan) {
    println!(
        "\nideal_s = {:.3} s: the run's deliberate waits: part 1's {} ms of sampling, and the\n\
         ticker's {} ticks of {} ms, twice (once beside each spinner); part 3 waits for nothing.",
        plan.ideal().as_secs_f64(),
        plan.duration.as_millis(),
        plan.ticks,
        plan.tick.as_millis()
    );
}

/// The figures this run measured, printed as the closing `summary:` line.
pub struct Summary {
    unit: Duration,
    plan: Plan,
    progress: Progress,
    hogging: Ticks,
    yielding: Ticks,
    costs: SwitchCosts,
}

impl Summary {
    pub fn new(
        plan: Plan,
        progress: Progress,
        hogging: Ticks,
        yielding: Ticks,
        costs: SwitchCosts,
    ) -> Self {
        Summary {
            unit: Duration::ZERO,
            plan,
            progress,
            hogging,
            yielding,
            costs,
        }
    }
}

impl Summary {
    /// With the measured length of one unit of work.
    pub fn unit(self, unit: Duration) -> Self {
        Summary { unit, ..self }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (plan, p) = (&self.plan, &self.progress);
        write_summary(
            f,
            &[
                ("threads", plan.threads.to_string()),
                ("threads_all_progressed", p.all_progressed().to_string()),
                (
                    "worst_late_spin_ms",
                    format!("{:.1}", self.hogging.worst_late_ms()),
                ),
                (
                    "worst_late_yield_ms",
                    format!("{:.1}", self.yielding.worst_late_ms()),
                ),
                (
                    "task_switch_ns",
                    format!("{:.0}", self.costs.task_switch_ns),
                ),
                (
                    "thread_handoff_ns",
                    format!("{:.0}", self.costs.thread_handoff_ns),
                ),
                ("cores", plan.cores.to_string()),
                ("unit_us", format!("{:.1}", self.unit.as_secs_f64() * 1e6)),
                ("windows", p.windows.len().to_string()),
                ("windows_all_advanced", p.windows_all_advanced().to_string()),
                ("spin_slices", self.hogging.slices.to_string()),
                ("yield_slices", self.yielding.slices.to_string()),
                ("round_trips", plan.round_trips.to_string()),
                ("ideal_s", format!("{:.3}", plan.ideal().as_secs_f64())),
            ],
        )
    }
}

/// One slice of busy work: 10,000 arithmetic steps the compiler may not skip.
pub fn work_a_little() {
    let mut x = 1u64;
    for step in 0..10_000u64 {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(step | 1);
    }
    std::hint::black_box(x);
}

/// A runtime on this thread alone: its tasks take turns, and only where they await.
pub fn one_thread_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder
        .enable_time()
        .build()
        .context("cannot start a tokio runtime; check the process's limits (ulimit -a)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(windows: Vec<(f64, Vec<u64>)>) -> Progress {
        Progress {
            windows,
            preempted: Vec::new(),
        }
    }

    #[test]
    fn a_thread_that_advanced_only_once_still_progressed() {
        let progress = progress(vec![(100.0, vec![5, 0]), (200.0, vec![3, 1])]);
        assert!(progress.all_progressed());
        assert_eq!(progress.windows_all_advanced(), 1);
        assert_eq!(progress.total(1), 1);
    }

    #[test]
    fn a_thread_that_never_ran_did_not_progress() {
        let progress = progress(vec![(100.0, vec![5, 0]), (200.0, vec![3, 0])]);
        assert!(!progress.all_progressed());
        assert_eq!(progress.windows_all_advanced(), 0);
    }

    #[test]
    fn no_window_means_no_progress_shown() {
        assert!(!progress(Vec::new()).all_progressed());
    }

    #[test]
    fn worst_lateness_is_the_largest_gap_between_due_and_ran() {
        let ticks = Ticks {
            start: Instant::now(),
            due_fired_ms: vec![(100.0, 101.0), (200.0, 650.0), (300.0, 650.5)],
            slices: 0,
        };
        assert_eq!(ticks.worst_late_ms(), 450.0);
    }
}
