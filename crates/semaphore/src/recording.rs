//! What `--trace` records: one group per way of sending the requests, the requests in
//! flight as the embedded server counts them (a counter, and a slice per request on the
//! lowest free lane, so a row uses as many lanes as it ever had requests at once), and
//! the semaphore's permits left. Lanes past `DRAWN` are not drawn; the counter counts all.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::gauge::Watch;
use crate::trace::{Group, Trace, Track};

/// Lanes drawn per row.
pub const DRAWN: usize = 100;
/// The counter of requests in flight, as the server counts them.
pub const IN_FLIGHT: &str = "in flight (server count)";
pub const PERMITS: &str = "permits left";
/// The client's tasks alive: with the permit taken before the spawn, never above the limit.
pub const TASKS: &str = "tasks alive (client)";

/// How the idea functions report the permits left: a small interface, not the harness.
pub type PermitsLeft = Arc<dyn Fn(usize) + Send + Sync>;

pub struct Recorder {
    pub trace: Trace,
    latency: Duration,
    row: Mutex<Row>,
}

#[derive(Default)]
struct Row {
    group: Option<Group>,
    /// Per lane: the request in it now (its number in the row, since when).
    lanes: Vec<Option<(usize, Instant)>>,
    tracks: Vec<Track>,
    arrived: usize,
}

impl Recorder {
    pub fn new(trace: Trace, latency: Duration) -> Arc<Recorder> {
        let row = Mutex::default();
        Arc::new(Recorder {
            trace,
            latency,
            row,
        })
    }

    /// The next way of sending starts: its group, and its permits when it has some.
    pub fn begin_row(&self, name: &str, permits: Option<usize>) {
        if self.trace.is_on() {
            let group = self.trace.group(name);
            let mut row = self.lock();
            *row = Row {
                group: Some(group),
                ..Row::default()
            };
            let now = Instant::now();
            self.trace.counter(group, IN_FLIGHT, now, 0.0);
            if let Some(permits) = permits {
                self.trace.counter(group, PERMITS, now, permits as f64);
            }
        }
    }

    /// The semaphore has `left` permits free now.
    pub fn permits_left(&self, left: usize) {
        if self.trace.is_on() {
            if let Some(group) = self.lock().group {
                self.trace
                    .counter(group, PERMITS, Instant::now(), left as f64);
            }
        }
    }

    /// `permits_left` for the idea functions: a closure, not the recorder itself.
    pub fn permits_reporter(self: &Arc<Self>) -> PermitsLeft {
        let recorder = Arc::clone(self);
        Arc::new(move |left| recorder.permits_left(left))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Row> {
        self.row.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The server's count of requests in progress: each entry takes the lowest free lane.
impl Watch for Recorder {
    fn entered(&self, now: usize) -> usize {
        if !self.trace.is_on() {
            return 0;
        }
        let mut row = self.lock();
        let Some(group) = row.group else { return 0 };
        let at = Instant::now();
        self.trace.counter(group, IN_FLIGHT, at, now as f64);
        row.arrived += 1;
        let lane = match row.lanes.iter().position(Option::is_none) {
            Some(lane) => lane,
            None => {
                row.lanes.push(None);
                row.lanes.len() - 1
            }
        };
        if lane < DRAWN && lane == row.tracks.len() {
            let track = self
                .trace
                .track(group, &format!("server slot {}", lane + 1));
            row.tracks.push(track);
        }
        row.lanes[lane] = Some((row.arrived, at));
        lane
    }

    fn left(&self, lane: usize, now: usize) {
        if !self.trace.is_on() {
            return;
        }
        let mut row = self.lock();
        let Some(group) = row.group else { return };
        let at = Instant::now();
        self.trace.counter(group, IN_FLIGHT, at, now as f64);
        let Some((number, from)) = row.lanes.get_mut(lane).and_then(Option::take) else {
            return;
        };
        if let Some(&track) = row.tracks.get(lane) {
            let ms = self.latency.as_millis();
            let name = format!("request {number}: in progress at the server, {ms} ms");
            self.trace
                .slice(track, "in flight at the server", &name, from, at);
        }
    }
}

/// The client's count of tasks alive, heard as a counter of the row.
pub struct TasksAlive(pub Arc<Recorder>);

impl Watch for TasksAlive {
    fn entered(&self, now: usize) -> usize {
        self.level(now);
        0
    }

    fn left(&self, _: usize, now: usize) {
        self.level(now);
    }
}

impl TasksAlive {
    fn level(&self, now: usize) {
        let recorder = &self.0;
        if recorder.trace.is_on() {
            if let Some(group) = recorder.lock().group {
                recorder
                    .trace
                    .counter(group, TASKS, Instant::now(), now as f64);
            }
        }
    }
}

/// Writes the trace to `path`, saying so, and that only a sample was drawn if it was.
pub fn write(trace: &Trace, path: &std::path::Path, requests: usize) -> anyhow::Result<()> {
    use anyhow::Context;
    if requests > DRAWN {
        let note = format!(
            "a row draws at most {DRAWN} lanes of requests in flight; the counter of \
             requests in flight counts all {requests}"
        );
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
