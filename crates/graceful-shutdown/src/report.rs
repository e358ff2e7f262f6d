//! The harness: the log of who ended how and when, and the closing summary line.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::{Id, JoinError};

use crate::output::write_summary;
use crate::trace::{Group, Trace, Track};
use crate::witness::Counts;

/// How a job ended on its own.
pub enum Outcome {
    /// Ran all its steps.
    Completed { steps: u32 },
    /// Saw the stop flag at a safe point, after `done` of its `steps`.
    Stopped { done: u32, steps: u32 },
}

/// Who ended how, and when, in part 1.
pub struct Log {
    start: Instant,
    grace: Duration,
    names: HashMap<Id, &'static str>,
    trace: Arc<Trace>,
    group: Group,
    main: Track,
    lanes: HashMap<Id, (Track, Instant)>,
    grace_ended: Option<Instant>,
    completed: usize,
    stopped: usize,
    aborted: usize,
    signal: Option<(&'static str, Instant)>,
    slowest_stop: Duration,
    shutdown: Duration,
}

impl Log {
    /// The log of part 1, drawn in `trace` as a group: a track per job, and main's moments.
    pub fn new(grace: Duration, trace: &Arc<Trace>) -> Self {
        let group = trace.group("1 Ctrl-C: stop at a safe point, a grace, then abort");
        Log {
            start: Instant::now(),
            grace,
            names: HashMap::new(),
            trace: Arc::clone(trace),
            group,
            main: trace.track(group, "main: signal, stop, grace"),
            lanes: HashMap::new(),
            grace_ended: None,
            completed: 0,
            stopped: 0,
            aborted: 0,
            signal: None,
            slowest_stop: Duration::ZERO,
            shutdown: Duration::ZERO,
        }
    }

    fn line(&self, what: &str) {
        println!("  +{:.3} s  {what}", self.start.elapsed().as_secs_f64());
    }

    pub fn waiting(&mut self, self_signal: Option<Duration>) {
        self.start = Instant::now();
        match self_signal {
            Some(d) => self.line(&format!(
                "jobs start; the demo sends itself SIGINT in {} ms",
                d.as_millis()
            )),
            None => self.line("jobs start; waiting for Ctrl-C (SIGINT) or SIGTERM"),
        }
    }

    pub fn started(&mut self, id: Id, name: &'static str, steps: u32, step: Duration) {
        self.names.insert(id, name);
        let lane = format!("{name}: {steps} x {} ms", step.as_millis());
        let track = self.trace.track(self.group, &lane);
        self.lanes.insert(id, (track, Instant::now()));
    }

    pub fn ended(&mut self, joined: Result<(Id, Outcome), JoinError>) {
        let id = match &joined {
            Ok((id, _)) => *id,
            Err(e) => e.id(),
        };
        let (name, what) = match joined {
            Ok((id, Outcome::Completed { steps })) => {
                self.completed += 1;
                (self.names[&id], format!("completed all {steps} steps"))
            }
            Ok((id, Outcome::Stopped { done, steps })) => {
                self.stopped += 1;
                if let Some((_, at)) = self.signal {
                    self.slowest_stop = self.slowest_stop.max(at.elapsed());
                }
                (
                    self.names[&id],
                    format!("stopped at a safe point, after {done} of {steps} steps"),
                )
            }
            Err(e) if e.is_cancelled() => {
                self.aborted += 1;
                (
                    self.names[&e.id()],
                    "aborted in the middle of a step".to_string(),
                )
            }
            Err(e) => (self.names[&e.id()], format!("failed: {e}")),
        };
        if let Some(&(track, from)) = self.lanes.get(&id) {
            let kind = match what.split(' ').next() {
                Some("completed") => "completed",
                Some("stopped") => "stopped at a safe point",
                _ => "aborted mid-step",
            };
            let slice = format!("{name}: {what}");
            self.trace.slice(track, kind, &slice, from, Instant::now());
        }
        self.line(&format!("{name:<7} {what}"));
    }

    /// The stop has been sent to every job.
    pub fn told_to_stop(&self) {
        let what = "stop sent to every job (watch channel)";
        self.trace.instant(self.main, what, Instant::now());
    }

    pub fn signal(&mut self, name: &'static str) {
        self.signal = Some((name, Instant::now()));
        self.trace.instant(self.main, name, Instant::now());
        self.line(&format!(
            "{name}: telling every job to stop; grace {} ms",
            self.grace.as_millis()
        ));
    }

    pub fn grace_over(&mut self, left: usize) {
        let what = format!("grace over: abort_all() on {left} job(s)");
        self.trace.instant(self.main, &what, Instant::now());
        self.grace_ended = Some(Instant::now());
        let early = self.signal.is_some_and(|(_, at)| at.elapsed() < self.grace);
        let why = if early {
            "a second signal"
        } else {
            "the grace is over"
        };
        self.line(&format!("{why}: aborting the {left} job(s) still running"));
    }

    pub fn shut_down(&mut self) {
        let now = Instant::now();
        if let Some((_, at)) = self.signal {
            self.shutdown = at.elapsed();
            let name = format!("the grace: up to {} ms", self.grace.as_millis());
            let until = self.grace_ended.unwrap_or(now);
            self.trace.slice(self.main, "grace", &name, at, until);
        }
        self.trace.instant(self.main, "shut down", now);
        self.line(&format!(
            "shut down {:.3} s after the signal",
            self.shutdown.as_secs_f64()
        ));
        let (signal, at) = self.signal.unwrap_or(("no signal", self.start));
        let grace = self.grace.as_secs_f64();
        let shutdown = self.shutdown.as_secs_f64();
        println!(
            "  of {} jobs (jobs): completed {} (completed: ran all their steps), stopped {} (stopped: at a safe",
            self.names.len(),
            self.completed,
            self.stopped
        );
        println!(
            "    point, told by the signal), aborted {} (aborted: dropped mid-step when the grace was over)",
            self.aborted
        );
        println!(
            "  {signal} (signal) came {:.3} s after the start (signal_after_s); the grace (grace_s) {grace:.3} s;",
            at.duration_since(self.start).as_secs_f64()
        );
        println!(
            "  the slowest job to stop at a safe point took {:.3} s after the signal (slowest_stop_s);",
            self.slowest_stop.as_secs_f64()
        );
        println!(
            "  shutdown_s {shutdown:.3}: from the signal until every job had ended; shutdown_over_grace {:.3}",
            shutdown / grace
        );
        println!(
            "    = shutdown_s / grace_s: about 1 when one job needs the whole grace, below 1 if all stop sooner"
        );
    }
}

/// The titles of the demo's two parts.
pub const SHUTDOWN: &str = "jobs run until a signal; then stop, a grace period, abort";
pub const UNJOINED: &str =
    "for contrast: three jobs of 3 x 100 ms spawned, and main returns after 150 ms";

/// The heading of part `n`, and the words it is the first to use; a blank line before
/// every part but the first.
pub fn part(n: u32, title: &str) {
    if n > 1 {
        println!();
    }
    println!("{n}. {title}");
    let words: &[&str] = match n {
        1 => &[
            "SIGINT: the signal Ctrl-C sends (SIGTERM: the one `kill` sends). A safe point: a place between",
            "two steps, where a job can end with nothing half-done. The grace: how long the jobs get to reach",
            "one; abort: the runtime drops a job still running then, in the middle of its step (task.cancel()).",
        ],
        _ => &[
            "joining: awaiting each job's handle before main returns (asyncio: await the tasks). Without it,",
            "the runtime is dropped with main and its unfinished tasks with it (asyncio.run cancels them).",
        ],
    };
    for line in words {
        println!("   {line}");
    }
}

/// One line of part 2: `key` is the summary's prefix for it (unjoined, joined).
pub fn main_returned(how: &str, key: &str, c: Counts) -> Counts {
    println!(
        "  main returned {how}: of {} jobs ({key}_spawned), completed {} ({key}_completed), dropped unfinished {} ({key}_dropped)",
        c.spawned, c.completed, c.dropped
    );
    c
}

/// The figures this run measured, printed as the closing `summary:` line.
pub struct Summary {
    log: Log,
    unjoined: Counts,
    joined: Counts,
    self_signal: Option<Duration>,
}

impl Summary {
    pub fn new(log: Log, [unjoined, joined]: [Counts; 2], self_signal: Option<Duration>) -> Self {
        Summary {
            log,
            unjoined,
            joined,
            self_signal,
        }
    }
}

impl Summary {
    /// The deliberate waits: until the signal (the demo's own delay, or sooner if a real
    /// signal came first), the grace, and part 2: main's 150 ms then 300 ms past the jobs'
    /// end, and with the join, the jobs' 300 ms then the same 300 ms. In seconds, with the
    /// first of them.
    fn ideal(&self) -> (f64, f64) {
        let log = &self.log;
        let at = log.signal.map_or(log.start, |(_, at)| at);
        let signal_after = at.duration_since(log.start).as_secs_f64();
        let until_signal = self
            .self_signal
            .map_or(signal_after, |d| d.as_secs_f64().min(signal_after));
        let ideal = until_signal + log.grace.as_secs_f64() + 0.45 + 0.6;
        (ideal, until_signal)
    }

    /// What ideal_s is, in this run's figures: printed once, before the summary line.
    pub fn explain(&self) {
        let (ideal, until_signal) = self.ideal();
        let grace = self.log.grace.as_secs_f64();
        println!();
        println!(
            "ideal_s {ideal:.3}: the time the deliberate waits alone take: until the signal ({until_signal:.3} s), the grace"
        );
        println!(
            "  ({grace:.3} s), and part 2's 0.450 s (main's 150 ms, then 300 ms past the jobs' end) and 0.600 s"
        );
        println!("  (the jobs' 300 ms, then the same 300 ms)");
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let log = &self.log;
        let (signal, at) = log.signal.unwrap_or(("none", log.start));
        let signal_after = at.duration_since(log.start).as_secs_f64();
        let (grace, shutdown) = (log.grace.as_secs_f64(), log.shutdown.as_secs_f64());
        let (unjoined, joined) = (&self.unjoined, &self.joined);
        let (ideal, _) = self.ideal();
        let secs = |s: f64| format!("{s:.3}");
        write_summary(
            f,
            &[
                ("jobs", log.names.len().to_string()),
                ("completed", log.completed.to_string()),
                ("stopped", log.stopped.to_string()),
                ("aborted", log.aborted.to_string()),
                ("signal", signal.to_string()),
                ("signal_after_s", secs(signal_after)),
                ("grace_s", secs(grace)),
                ("slowest_stop_s", secs(log.slowest_stop.as_secs_f64())),
                ("shutdown_s", secs(shutdown)),
                ("shutdown_over_grace", secs(shutdown / grace)),
                ("unjoined_spawned", unjoined.spawned.to_string()),
                ("unjoined_completed", unjoined.completed.to_string()),
                ("unjoined_dropped", unjoined.dropped.to_string()),
                ("joined_completed", joined.completed.to_string()),
                ("ideal_s", secs(ideal)),
            ],
        )
    }
}
