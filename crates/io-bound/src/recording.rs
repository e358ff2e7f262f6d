//! What `--trace` records: one group per row of the table, a track per request (or per
//! thread, where the thread is the unit: sequential and the pool), a slice for each
//! request in flight, and the row's count of requests in flight as a counter. A row of
//! more than `DRAWN` requests draws only its first `DRAWN` as tracks; the counter counts
//! them all. With the trace off, a request costs one branch here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::Instant;

use crate::Method;
use crate::trace::{Group, Trace, Track};

/// Requests drawn as tracks per row.
pub const DRAWN: usize = 100;

/// The trace, and the row being recorded.
pub struct Recorder {
    pub trace: Trace,
    row: Mutex<Row>,
}

#[derive(Default)]
struct Row {
    group: Option<Group>,
    method: Option<Method>,
    started: usize,
    in_flight: usize,
    threads: HashMap<ThreadId, Track>,
}

/// A request the recorder saw start: its number in the row, when, and its track if drawn.
pub struct Started(usize, Instant, Option<Track>);

impl Recorder {
    pub fn new(trace: Trace) -> Arc<Recorder> {
        let row = Mutex::default();
        Arc::new(Recorder { trace, row })
    }

    /// The next row of the table starts: its group, named as its table row is.
    pub fn begin_row(&self, method: Method, name: &str) {
        if self.trace.is_on() {
            let group = self.trace.group(name);
            *self.lock() = Row {
                group: Some(group),
                method: Some(method),
                ..Row::default()
            };
            self.trace
                .counter(group, "requests in flight", Instant::now(), 0.0);
        }
    }

    /// A request goes out: counted in flight, and given its track; None with the trace off.
    pub fn start(&self) -> Option<Started> {
        if !self.trace.is_on() {
            return None;
        }
        let mut row = self.lock();
        let (group, method) = (row.group?, row.method?);
        row.started += 1;
        row.in_flight += 1;
        let number = row.started;
        let at = Instant::now();
        self.trace
            .counter(group, "requests in flight", at, row.in_flight as f64);
        let track = (number <= DRAWN).then(|| {
            let name = match method {
                // The thread is the unit: its requests follow one another on its track.
                Method::Sequential | Method::Pool => {
                    let workers = row.threads.len();
                    let thread = std::thread::current().id();
                    return *row.threads.entry(thread).or_insert_with(|| {
                        let name = match method {
                            Method::Sequential => "the one thread".to_string(),
                            _ => format!("worker thread {}", workers + 1),
                        };
                        self.trace.track(group, &name)
                    });
                }
                Method::Threads => format!("thread of request #{number}"),
                Method::Async | Method::BlockedAsync => format!("task #{number}"),
                Method::ThreadsBehindAsync => format!("task #{number} (a pool thread)"),
            };
            self.trace.track(group, &name)
        });
        Some(Started(number, at, track))
    }

    /// The request that started as `started` has its answer.
    pub fn end(&self, Started(number, from, track): Started) {
        let mut row = self.lock();
        row.in_flight -= 1;
        let to = Instant::now();
        let (Some(group), Some(method)) = (row.group, row.method) else {
            return;
        };
        self.trace
            .counter(group, "requests in flight", to, row.in_flight as f64);
        let Some(track) = track else { return };
        let (kind, name) = match method {
            Method::Sequential | Method::Pool => {
                (BLOCKED, format!("request #{number}: the thread waits"))
            }
            Method::Threads => (BLOCKED, format!("request #{number}: its thread waits")),
            Method::Async => (
                AWAITS,
                format!("request #{number}: .await, the thread runs others"),
            ),
            Method::ThreadsBehindAsync => (
                BLOCKED,
                format!("request #{number}: a blocking-pool thread waits"),
            ),
            Method::BlockedAsync => (
                BLOCKS_ALL,
                format!("request #{number}: ureq blocks the runtime's only thread"),
            ),
        };
        self.trace.slice(track, kind, &name, from, to);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Row> {
        self.row.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The legend's words: what the thread does while a request is in flight.
const BLOCKED: &str = "a thread blocked on its request";
const AWAITS: &str = "a task awaits its request";
const BLOCKS_ALL: &str = "a task blocks the only thread";

/// Writes the trace to `path`, saying so, and that only a sample was drawn if it was.
pub fn write(trace: &Trace, path: &std::path::Path, requests: usize) -> anyhow::Result<()> {
    use anyhow::Context;
    if requests > DRAWN {
        let note = format!(
            "each row draws its first {DRAWN} of {requests} requests as tracks; its \
             'requests in flight' counter counts all {requests}"
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
