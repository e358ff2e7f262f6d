//! `--trace FILE`: the run written as a Chrome Trace Event Format file, the JSON that
//! Perfetto (ui.perfetto.dev), `chrome://tracing`, speedscope and VizTracer's `vizviewer`
//! open. A *group* is a row of the demo's table (a process in the viewer); a *track* is one
//! thread, task, process, client or request inside it (a thread in the viewer). A *slice*
//! is something that took time on a track, an *instant* a moment the lesson turns on, a
//! *counter* a level over time (requests in flight, items waiting). Times are the demo's
//! own `Instant`s, in microseconds from the start it gives. This file is the same in every
//! crate (`make test` compares each copy with scripts/template/src/trace.rs).
#![allow(dead_code)] // each demo uses its own part of it

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

/// A group of tracks: one row of the demo's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Group(u32);

/// One lane of the picture, inside a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Track {
    group: Group,
    id: u32,
}

/// The recorder. `Trace::off()` records nothing and costs a branch per call, so the demo
/// calls it unconditionally; `Trace::new` records everything, from any thread.
pub struct Trace {
    start: Instant,
    on: bool,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    groups: Vec<String>,
    tracks: Vec<(Group, String)>,
    events: Vec<Event>,
    notes: Vec<String>,
}

enum Event {
    Slice {
        track: Track,
        kind: String,
        name: String,
        at: f64,
        dur: f64,
    },
    Instant {
        track: Track,
        name: String,
        at: f64,
    },
    Counter {
        group: Group,
        name: String,
        at: f64,
        value: f64,
    },
}

impl Trace {
    /// A trace that records, with times measured from `start`.
    pub fn new(start: Instant) -> Self {
        Trace {
            start,
            on: true,
            inner: Mutex::default(),
        }
    }

    /// A trace that records nothing (the run without `--trace`).
    pub fn off() -> Self {
        Trace {
            on: false,
            ..Trace::new(Instant::now())
        }
    }

    /// Whether this trace records: check it before building many names.
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// The clock's zero.
    pub fn start(&self) -> Instant {
        self.start
    }

    /// A new group, shown after the ones made before it.
    pub fn group(&self, name: &str) -> Group {
        let mut inner = self.lock();
        inner.groups.push(name.to_string());
        Group(inner.groups.len() as u32)
    }

    /// A new track in `group`, shown below the group's earlier tracks.
    pub fn track(&self, group: Group, name: &str) -> Track {
        let mut inner = self.lock();
        inner.tracks.push((group, name.to_string()));
        // Track ids start at 1001, above any group id: a viewer takes a track whose id
        // equals its group's for the group's main thread.
        Track {
            group,
            id: 1000 + inner.tracks.len() as u32,
        }
    }

    /// Something of `kind` (the legend's word: "sleep", "work", "holds the GIL") that ran
    /// on `track` from `from` to `to`, named as the lesson reads: "count #2: sleep 1000 ms".
    pub fn slice(&self, track: Track, kind: &str, name: &str, from: Instant, to: Instant) {
        if self.on {
            // Both edges rounded to the nanosecond, as written, so that a slice that ends
            // as the next begins never reads back as overlapping it.
            let round = |us: f64| (us * 1e3).round() / 1e3;
            let (at, end) = (round(self.micros(from)), round(self.micros(to)));
            let (kind, name) = (kind.to_string(), name.to_string());
            let dur = (end - at).max(0.0);
            (self.lock().events).push(Event::Slice {
                track,
                kind,
                name,
                at,
                dur,
            });
        }
    }

    /// A moment on `track`: a wake-up, a cancel, a signal.
    pub fn instant(&self, track: Track, name: &str, at: Instant) {
        if self.on {
            let (name, at) = (name.to_string(), self.micros(at));
            self.lock().events.push(Event::Instant { track, name, at });
        }
    }

    /// The level `name` of `group` is `value` from `at` on.
    pub fn counter(&self, group: Group, name: &str, at: Instant, value: f64) {
        if self.on {
            let (name, at) = (name.to_string(), self.micros(at));
            let value = if value.is_finite() { value } else { 0.0 };
            let event = Event::Counter {
                group,
                name,
                at,
                value,
            };
            self.lock().events.push(event);
        }
    }

    /// A sentence stored with the trace, e.g. that only a sample of the tracks was recorded.
    pub fn note(&self, text: &str) {
        if self.on {
            self.lock().notes.push(text.to_string());
        }
    }

    /// Writes the trace as JSON to `path`.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.to_json())
    }

    /// The trace as Chrome Trace Event Format JSON: names first (`M` events), then the
    /// slices (`X`), instants (`i`) and counters (`C`) in the order they were recorded.
    pub fn to_json(&self) -> String {
        let inner = self.lock();
        let mut events: Vec<String> = Vec::new();
        for (i, name) in inner.groups.iter().enumerate() {
            let pid = i + 1;
            events.push(format!(
                r#"{{"ph":"M","name":"process_name","pid":{pid},"tid":0,"args":{{"name":{}}}}}"#,
                json_string(name)
            ));
            events.push(format!(
                r#"{{"ph":"M","name":"process_sort_index","pid":{pid},"tid":0,"args":{{"sort_index":{pid}}}}}"#
            ));
        }
        for (i, (group, name)) in inner.tracks.iter().enumerate() {
            let (pid, tid) = (group.0, 1001 + i);
            events.push(format!(
                r#"{{"ph":"M","name":"thread_name","pid":{pid},"tid":{tid},"args":{{"name":{}}}}}"#,
                json_string(name)
            ));
            events.push(format!(
                r#"{{"ph":"M","name":"thread_sort_index","pid":{pid},"tid":{tid},"args":{{"sort_index":{tid}}}}}"#
            ));
        }
        for event in &inner.events {
            events.push(match event {
                Event::Slice {
                    track,
                    kind,
                    name,
                    at,
                    dur,
                } => format!(
                    r#"{{"ph":"X","pid":{},"tid":{},"ts":{at:.3},"dur":{dur:.3},"cat":{},"name":{}}}"#,
                    track.group.0,
                    track.id,
                    json_string(kind),
                    json_string(name)
                ),
                Event::Instant { track, name, at } => format!(
                    r#"{{"ph":"i","s":"t","pid":{},"tid":{},"ts":{at:.3},"name":{}}}"#,
                    track.group.0,
                    track.id,
                    json_string(name)
                ),
                Event::Counter {
                    group,
                    name,
                    at,
                    value,
                } => format!(
                    r#"{{"ph":"C","pid":{},"tid":0,"ts":{at:.3},"name":{},"args":{{"value":{value}}}}}"#,
                    group.0,
                    json_string(name)
                ),
            });
        }
        let notes: Vec<String> = inner.notes.iter().map(|n| json_string(n)).collect();
        format!(
            "{{\"displayTimeUnit\":\"ms\",\"otherData\":{{\"program\":{},\"notes\":[{}]}},\"traceEvents\":[\n{}\n]}}\n",
            json_string(env!("CARGO_PKG_NAME")),
            notes.join(","),
            events.join(",\n")
        )
    }

    fn micros(&self, at: Instant) -> f64 {
        at.saturating_duration_since(self.start).as_secs_f64() * 1e6
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A thread that panicked while recording leaves the events it had pushed: keep them.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
