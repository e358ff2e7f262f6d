//! The harness behind `--trace`: one group per way of counting (a row of the table), one
//! track per task with its steps as slices (`read 0`, `await 10 ms`, `write 0 + 1 = 1`;
//! `wait for the lock` where there is one), and a counter of the value each write left.
//! Read side by side, the race is plain: every task reads 0 before any writes, and every
//! write is `0 + 1 = 1`. Above [`SAMPLE`] tasks, only the first [`SAMPLE`] are recorded,
//! and the trace's note says so.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::trace::{Group, Trace, Track};

/// The run's trace: recording from now when `--trace` is on, a no-op one when it is off.
pub fn trace_if(on: bool) -> Trace {
    if on {
        Trace::new(Instant::now())
    } else {
        Trace::off()
    }
}

/// The most tasks of one row recorded as tracks.
pub const SAMPLE: usize = 100;

/// The tracks of one row of the table.
pub struct Lanes {
    trace: Arc<Trace>,
    group: Group,
    next: AtomicUsize,
    delay_ms: u64,
}

impl Lanes {
    pub fn new(trace: &Arc<Trace>, row: &str, delay_ms: u64) -> Arc<Lanes> {
        let group = trace.group(row);
        let (trace, next) = (Arc::clone(trace), AtomicUsize::new(0));
        Arc::new(Lanes {
            trace,
            group,
            next,
            delay_ms,
        })
    }

    /// The next task's lane: a no-op one when the trace is off or past the sample.
    pub fn lane(self: &Arc<Self>) -> Lane {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let track = (self.trace.is_on() && n <= SAMPLE).then(|| {
            (
                Arc::clone(self),
                self.trace.track(self.group, &format!("task #{n}")),
            )
        });
        Lane {
            track,
            mark: Instant::now(),
            seen: 0,
        }
    }
}

/// One task's track. Each call closes the step that ended just now: the slice runs from
/// the end of the task's previous step (or from its spawn, for its first) to now.
pub struct Lane {
    track: Option<(Arc<Lanes>, Track)>,
    mark: Instant,
    seen: u64,
}

impl Lane {
    fn step(&mut self, kind: &str, name: impl FnOnce(&Lanes) -> String) {
        let Some((lanes, track)) = &self.track else {
            return;
        };
        let now = Instant::now();
        lanes
            .trace
            .slice(*track, kind, &name(lanes), self.mark, now);
        self.mark = now;
    }

    /// The task has its lock (a tokio Mutex: it waited for it without blocking the thread).
    pub fn locked(&mut self) {
        self.step("wait for the lock", |_| "wait for the lock".into());
    }

    /// The task read `seen`.
    pub fn read(&mut self, seen: u64) {
        self.seen = seen;
        self.step("read", |_| format!("read {seen}"));
    }

    /// The task's `.await` on its delay returned.
    pub fn awaited(&mut self, holding_the_lock: bool) {
        let held = if holding_the_lock {
            " (holding the lock)"
        } else {
            ""
        };
        self.step("await", |l| format!("await {} ms{held}", l.delay_ms));
    }

    /// The task wrote `value`, what it read plus one; the counter shows the level it left.
    pub fn wrote(&mut self, value: u64) {
        let seen = self.seen;
        self.step("write", |_| format!("write {seen} + 1 = {value}"));
        if let Some((lanes, _)) = &self.track {
            (lanes.trace).counter(lanes.group, "counter", Instant::now(), value as f64);
        }
    }

    /// The task added one in a single step (an atomic, or under a std guard) and got `value`.
    pub fn added(&mut self, value: u64) {
        self.step("write", |_| format!("add 1 in one step = {value}"));
        if let Some((lanes, _)) = &self.track {
            (lanes.trace).counter(lanes.group, "counter", Instant::now(), value as f64);
        }
    }
}

/// The note and the output line for a run past the sample, or None.
pub fn sample_note(trace: &Trace, tasks: usize) -> Option<String> {
    (trace.is_on() && tasks > SAMPLE).then(|| {
        format!(
            "a sample: only tasks #1 to #{SAMPLE} of {tasks} in each row have tracks, and \
             the counter shows the values their writes left"
        )
    })
}

/// Writes the trace, saying first when it is a sample; one `error:` line if it cannot.
pub fn write(trace: &Trace, tasks: usize, path: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context;
    if let Some(note) = sample_note(trace, tasks) {
        trace.note(&note);
        println!("trace: {note}");
    }
    trace.write(path).with_context(|| {
        format!(
            "cannot write the trace to {}; check that its folder exists",
            path.display()
        )
    })?;
    println!(
        "trace written to {} (open it in ui.perfetto.dev or vizviewer)",
        path.display()
    );
    Ok(())
}
