//! The harness: the arguments' check, the tables, the async part's heartbeat and trace,
//! and the closing summary line.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::error::ErrorKind;

use crate::Args;
use crate::output::write_summary;
use crate::trace::{Trace, Track};
use crate::watchdog::{Watched, Way};

/// A combination that cannot show the idea ends as clap's own errors do: exit 2.
pub fn check(args: &Args) -> anyhow::Result<()> {
    let honest_wait = 2 * u64::from(args.rounds) * args.work_ms;
    if args.deadline_ms < honest_wait {
        let message = format!(
            "--deadline-ms {} is shorter than a thread may honestly wait in the runs that \
             finish (2 x --rounds x --work-ms = {honest_wait} ms): raise it, or lower those",
            args.deadline_ms
        );
        clap::Error::raw(ErrorKind::ArgumentConflict, message + "\n").exit();
    }
    Ok(())
}

pub fn way_header(way: Way, deadline: Duration, work: Duration, rounds: u32) {
    let n = match way {
        Way::Opposite => {
            println!(
                "deadlock: two threads, two locks (std Mutex A and B), in a child process that a \
                 watchdog watches.\neach thread works {} ms holding its first lock, then takes \
                 the second; a thread waiting for a lock over {} ms (the deadline) is stuck.\n",
                work.as_millis(),
                deadline.as_millis()
            );
            "1. opposite order: thread 1 takes A then B, thread 2 takes B then A (once)"
        }
        Way::OneOrder => "2. one order: both threads take A, then B",
        Way::TryLock => "3. try_lock + back-off: opposite order, but the second lock with try_lock",
    };
    let each = if way == Way::Opposite {
        String::new()
    } else {
        format!(", {rounds} rounds each")
    };
    println!("{n}{each}");
}

pub fn watched(w: &Watched) {
    if let Some(at) = w.detected_after {
        println!(
            "   the watchdog, at {:.2} s: every thread has waited for a lock past the deadline",
            at.as_secs_f64()
        );
        println!(
            "   {:<9} {:<6} {:<10} {:<9} {:<6} {:<15} CPU while stuck",
            "thread", "holds", "waits for", "held by", "state", "sleeps in"
        );
        for s in &w.stuck {
            let held_by = s.held_by.map_or("nobody".into(), |h| format!("thread {h}"));
            let ticks = s
                .cpu_ticks
                .map_or("unknown".into(), |t| format!("{t} ticks"));
            println!(
                "   {:<9} {:<6} {:<10} {:<9} {:<6} {:<15} {ticks}",
                format!("thread {}", s.thread),
                s.holds.join("+"),
                s.wants,
                held_by,
                s.state,
                s.wchan
            );
        }
        println!(
            "   (state S: asleep in the kernel; sleeps in: the kernel function it waits in, a futex\n    \
             is a lock's queue of waiters; CPU while stuck: clock ticks used since both waited)"
        );
        if w.cycle {
            println!(
                "   a cycle: each waits for a lock the other holds, so neither can ever go on."
            );
        }
    } else {
        println!(
            "   finished by itself: {} rounds in {:.2} s, {} back-off(s), longest wait for a lock {:.0} ms",
            w.rounds_done,
            w.took.as_secs_f64(),
            w.backoffs,
            w.longest_wait.as_secs_f64() * 1e3
        );
    }
    println!(
        "   the child: {}; children left: {}\n",
        w.exit, w.children_left
    );
}

pub fn ways_table(ways: &[Watched]) {
    println!(
        "   {:<22} {:<9} {:<6} {:<8} {:<10} longest wait",
        "way", "finished", "stuck", "time", "back-offs"
    );
    for w in ways {
        println!(
            "   {:<22} {:<9} {:<6} {:<8} {:<10} {:.0} ms",
            w.way.label(),
            yes(w.finished),
            w.stuck.len(),
            format!("{:.2} s", w.took.as_secs_f64()),
            w.backoffs,
            w.longest_wait.as_secs_f64() * 1e3
        );
    }
    println!(
        "   (stuck: threads the watchdog found waiting past the deadline; back-offs: times a\n    \
         thread found its second lock taken and let go of its first; longest wait: for one lock)"
    );
    if let [_, ordered, tried] = ways {
        println!(
            "   try_lock's cost: {:.2} times the time of one order, here.\n",
            tried.took.as_secs_f64() / ordered.took.as_secs_f64()
        );
    }
}

pub fn async_header(deadline: Duration) {
    println!(
        "4. async, ONE thread: a task holds a tokio Mutex across an .await on a helper task that \
         needs\n   the same lock; tokio::time::timeout gives up after {} ms",
        deadline.as_millis()
    );
}

pub fn async_table(hang: &AsyncRun, fixed: &AsyncRun) {
    println!(
        "   {:<26} {:<9} {:<8} {:<11} {:<11} helper got the lock",
        "way", "ended by", "time", "OS threads", "heartbeats"
    );
    for (name, r) in [
        ("guard held across .await", hang),
        ("guard dropped first", fixed),
    ] {
        let ended = if r.timed_out { "timeout" } else { "itself" };
        let helper = match (r.helper_ran, r.timed_out) {
            (true, true) => "after the timeout",
            (true, false) => "yes",
            _ => "no",
        };
        println!(
            "   {:<26} {:<9} {:<8} {:<11} {:<11} {helper}",
            name,
            ended,
            format!("{:.3} s", r.took.as_secs_f64()),
            r.threads,
            r.heartbeats
        );
    }
    println!(
        "   (OS threads: the most this process had during the run, from /proc: no thread is\n    \
         blocked; heartbeats: ticks of a 10 ms heartbeat task on the same thread meanwhile)\n"
    );
}

/// What one async run did.
#[derive(Default)]
pub struct AsyncRun {
    pub timed_out: bool,
    pub took: Duration,
    pub helper_ran: bool,
    pub threads: usize,
    pub heartbeats: usize,
}

/// The async part's trace: its row, its three tracks, and the heartbeat's beats.
pub struct AsyncTrace<'a> {
    trace: &'a Trace,
    task: Track,
    helper: Track,
    heart: Track,
    window: Mutex<Option<(Instant, Instant)>>,
}

impl<'a> AsyncTrace<'a> {
    pub fn new(trace: &'a Trace, name: &str) -> Self {
        let group = trace.group(&format!("async, one thread: {name}"));
        AsyncTrace {
            trace,
            task: trace.track(group, "task"),
            helper: trace.track(group, "helper task"),
            heart: trace.track(group, "heartbeat task"),
            window: Mutex::new(None),
        }
    }

    /// The idea reports its run: from `start` to `end`, ended by the timeout or not.
    pub fn ended(&self, start: Instant, end: Instant, timed_out: bool) {
        *self.window.lock().unwrap_or_else(|p| p.into_inner()) = Some((start, end));
        let (task, helper) = if timed_out {
            ("holds the lock, awaits the helper", "waits for the lock")
        } else {
            ("took the lock, let go, awaits the helper", "takes the lock")
        };
        self.trace
            .slice(self.task, "holds a lock", task, start, end);
        self.trace
            .slice(self.helper, "waits for a lock", helper, start, end);
        if timed_out {
            let name = "timeout: the task is dropped, and its guard";
            self.trace.instant(self.task, name, end);
        }
    }
}

/// Runs `idea` with a heartbeat task beside it on the same thread, counting the beats and
/// the process's OS threads while it runs.
pub async fn with_heartbeat(tr: &AsyncTrace<'_>, idea: impl Future<Output = AsyncRun>) -> AsyncRun {
    static THREADS: AtomicUsize = AtomicUsize::new(0);
    THREADS.store(os_threads(), Ordering::Relaxed);
    let beats = std::sync::Arc::new(Mutex::new(Vec::new()));
    let heart = tokio::spawn({
        let beats = beats.clone();
        async move {
            loop {
                tokio::time::sleep(Duration::from_millis(10)).await;
                THREADS.fetch_max(os_threads(), Ordering::Relaxed);
                beats
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(Instant::now());
            }
        }
    });
    let mut run = idea.await;
    heart.abort();
    let window = *tr.window.lock().unwrap_or_else(|p| p.into_inner());
    let beats = beats.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((from, to)) = window {
        let inside: Vec<&Instant> = beats.iter().filter(|b| **b >= from && **b <= to).collect();
        for at in &inside {
            tr.trace.instant(tr.heart, "beat", **at);
        }
        run.heartbeats = inside.len();
    }
    run.threads = THREADS.load(Ordering::Relaxed);
    run
}

/// The OS threads of this process (Linux: /proc/self/status; 0 elsewhere).
fn os_threads() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Threads:")?.trim().parse().ok())
        })
        .unwrap_or(0)
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The figures this run measured, printed as the closing `summary:` line.
pub struct Summary {
    pub deadline: Duration,
    pub work: Duration,
    pub rounds: u32,
    pub ways: Vec<Watched>,
    pub hang: AsyncRun,
    pub fixed: AsyncRun,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [hung, ordered, tried] = &self.ways[..] else {
            return Err(fmt::Error);
        };
        let states: Vec<&str> = hung.stuck.iter().map(|s| s.state.as_str()).collect();
        let state = match states.first() {
            Some(s) if states.iter().all(|t| t == s) && *s != "-" => s.to_string(),
            _ => "unknown".into(),
        };
        let ticks: Option<u64> = hung.stuck.iter().map(|s| s.cpu_ticks).sum();
        let secs = |d: Duration| format!("{:.3}", d.as_secs_f64());
        let serial = self.work * 2 * self.rounds;
        let ideal = self.deadline * 2 + self.work + serial * 2;
        let left = self.ways.iter().map(|w| w.children_left).sum::<usize>();
        write_summary(
            f,
            &[
                ("deadline_ms", self.deadline.as_millis().to_string()),
                ("stuck", hung.stuck.len().to_string()),
                ("cycle", yes(hung.cycle).into()),
                ("state", state),
                (
                    "cpu_ticks",
                    ticks.map_or("unknown".into(), |t| t.to_string()),
                ),
                ("detected_s", secs(hung.detected_after.unwrap_or_default())),
                ("children_left", left.to_string()),
                ("ordered_done", yes(ordered.finished).into()),
                ("ordered_stuck", ordered.stuck.len().to_string()),
                ("ordered_s", secs(ordered.took)),
                ("trylock_done", yes(tried.finished).into()),
                ("trylock_stuck", tried.stuck.len().to_string()),
                ("trylock_s", secs(tried.took)),
                ("backoffs", tried.backoffs.to_string()),
                (
                    "cost",
                    format!(
                        "{:.2}",
                        tried.took.as_secs_f64() / ordered.took.as_secs_f64()
                    ),
                ),
                ("async_timed_out", yes(self.hang.timed_out).into()),
                ("async_threads", self.hang.threads.to_string()),
                ("heartbeats", self.hang.heartbeats.to_string()),
                ("fixed_timed_out", yes(self.fixed.timed_out).into()),
                ("ideal_s", secs(ideal)),
            ],
        )
    }
}
