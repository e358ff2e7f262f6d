//! `--trace FILE`: the scratch loop's run drawn as tracks. One track per task: each poll
//! (numbered in the order the loop ran them), each park (on a socket or a timer, from the
//! end of the poll that returned Pending to the wake-up), each wake-up and the task's end
//! as moments. One track for the loop itself: its waits in poll(2). A counter: the ready
//! queue's length. tokio's decisions stay inside tokio, so its group shows what the tasks
//! themselves saw: each task from the start to its end, in the order they finished.
//!
//! The executor and the leaf futures call the [`Chart`] through the loop's `Runtime`; with
//! the trace off every call returns at its first line, and no name is built.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Instant;

use crate::tasks::Record;
use crate::trace::{Group, Trace, Track};

/// What a task is parked on, the legend's word for the time it waits.
#[derive(Clone, Copy)]
pub enum Park {
    Io,
    Timer,
}

impl Park {
    fn kind(self) -> &'static str {
        match self {
            Park::Io => "parked on I/O",
            Park::Timer => "parked on a timer",
        }
    }
}

/// The scratch loop's part of the trace.
pub struct Chart {
    trace: Rc<Trace>,
    state: RefCell<State>,
}

struct State {
    group: Option<Group>,
    the_loop: Option<Track>,
    tasks: HashMap<usize, Track>,
    /// What the task being polled said it waits for, before it returned Pending.
    parking: Vec<(String, Park)>,
    /// Parked tasks: since when, on what.
    parked: HashMap<usize, (Instant, String, Park)>,
    queue: usize,
}

impl Chart {
    pub fn new(trace: Rc<Trace>) -> Chart {
        let (mut group, mut the_loop) = (None, None);
        if trace.is_on() {
            let g = trace.group("scratch loop: ONE thread, a ready queue, poll(2)");
            the_loop = Some(trace.track(g, "the loop (executor + reactor)"));
            group = Some(g);
        }
        let state = State {
            group,
            the_loop,
            tasks: HashMap::new(),
            parking: Vec::new(),
            parked: HashMap::new(),
            queue: 0,
        };
        Chart {
            trace,
            state: RefCell::new(state),
        }
    }

    fn on(&self) -> bool {
        self.trace.is_on()
    }

    /// Task `id` was spawned: its track, and the moment.
    pub fn spawned(&self, id: usize, name: &str) {
        let Some(group) = (self.on().then(|| self.state.borrow().group)).flatten() else {
            return;
        };
        let track = self.trace.track(group, &format!("task {id} ({name})"));
        self.trace.instant(track, "spawned", Instant::now());
        self.state.borrow_mut().tasks.insert(id, track);
    }

    /// A leaf future of the task being polled returns Pending, waiting for `what`.
    pub fn parking(&self, what: impl FnOnce() -> String, park: Park) {
        if self.on() {
            self.state.borrow_mut().parking.push((what(), park));
        }
    }

    /// The loop's `n`-th poll, of task `id`, ran from `from` to now.
    pub fn polled(&self, id: usize, n: usize, from: Instant, done: bool) {
        if !self.on() {
            return;
        }
        let now = Instant::now();
        let mut state = self.state.borrow_mut();
        let Some(&track) = state.tasks.get(&id) else {
            return;
        };
        let parking = std::mem::take(&mut state.parking);
        let name = match (done, parking.first()) {
            (true, _) => format!("poll #{n}: runs to its end"),
            (false, Some(_)) => format!("poll #{n}: runs to an await that is Pending"),
            (false, None) => format!("poll #{n}: Pending"),
        };
        self.trace.slice(track, "polled (runs)", &name, from, now);
        if done {
            self.trace.instant(track, "done", now);
        } else if let Some((_, park)) = parking.first() {
            let what: Vec<&str> = parking.iter().map(|(w, _)| w.as_str()).collect();
            state.parked.insert(id, (now, what.join("; "), *park));
        }
    }

    /// The reactor woke task `id`: its park ends here.
    pub fn woken(&self, id: usize, reason: &str) {
        if !self.on() {
            return;
        }
        let now = Instant::now();
        let mut state = self.state.borrow_mut();
        let Some(&track) = state.tasks.get(&id) else {
            return;
        };
        if let Some((since, what, park)) = state.parked.remove(&id) {
            self.trace.slice(track, park.kind(), &what, since, now);
        }
        self.trace.instant(track, &format!("woken: {reason}"), now);
    }

    /// The loop waited in poll(2) from `from` to now, on `fds` sockets and its nearest timer.
    pub fn waited(&self, from: Instant, fds: usize, timeout_ms: Option<u64>, woke: usize) {
        let Some(track) = (self.on().then(|| self.state.borrow().the_loop)).flatten() else {
            return;
        };
        let timeout = timeout_ms.map_or("no timer".to_string(), |ms| format!("timeout {ms} ms"));
        let name = format!("poll(2): {fds} fd(s), {timeout} -> wakes {woke} task(s)");
        self.trace
            .slice(track, "waits in poll(2)", &name, from, Instant::now());
    }

    /// The ready queue holds `len` tasks now (recorded when it changes).
    pub fn queue(&self, len: usize) {
        if !self.on() {
            return;
        }
        let mut state = self.state.borrow_mut();
        if let (Some(group), true) = (state.group, state.queue != len) {
            state.queue = len;
            let at = Instant::now();
            self.trace
                .counter(group, "tasks in the ready queue", at, len as f64);
        }
    }
}

/// tokio's run as its tasks saw it: each task from the start to its end (`records` come
/// in the order they finished, their times from `start`).
pub fn finished(trace: &Trace, group: &str, start: Instant, records: &[Record]) {
    if !trace.is_on() {
        return;
    }
    let group = trace.group(group);
    for (place, r) in records.iter().enumerate() {
        let track = trace.track(group, &r.task);
        let end = start + r.at;
        let name = format!("{}: finished #{} ({})", r.task, place + 1, r.value);
        trace.slice(track, "runs (polled and parked)", &name, start, end);
        trace.instant(track, "done", end);
    }
}

/// Writes the file and says so, in one line before the summary.
pub fn write(trace: &Trace, path: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context;
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
