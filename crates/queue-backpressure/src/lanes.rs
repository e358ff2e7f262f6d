//! The harness behind `--trace`: one group per queue (a row of the table), a track for the
//! producer with a slice per send (`send item #42`: long when the bounded queue is full
//! and the send waits for a free slot), a track per consumer with a slice per item it
//! works on (`item #42`), and the counter that is the lesson: `items waiting`, never above
//! the capacity when bounded, up to all of them when not. A run too large to draw records
//! the slices of the first [`SAMPLE_ITEMS`] items and every [`Lanes::step`]-th level.

use std::cell::{Cell, RefCell};
use std::time::Instant;

use crate::heap::uncounted;
use crate::trace::{Group, Trace, Track};

/// The items whose sends and work are drawn as slices.
pub const SAMPLE_ITEMS: usize = 2_000;
/// Up to this many items, the counter records every change.
const EVERY_LEVEL: usize = 20_000;

/// The tracks of one queue's run; every call is one branch when the trace is off.
pub struct Lanes<'t> {
    trace: &'t Trace,
    group: Group,
    producer: Option<Track>,
    consumers: Vec<Track>,
    /// The end of the producer's previous send (or its start).
    sent: Cell<Instant>,
    /// The item each consumer works on, and since when.
    working: RefCell<Vec<Option<(usize, Instant)>>>,
    step: usize,
}

impl<'t> Lanes<'t> {
    pub fn new(trace: &'t Trace, queue: &str, consumers: usize, items: usize) -> Self {
        uncounted(|| Self::build(trace, queue, consumers, items))
    }

    fn build(trace: &'t Trace, queue: &str, consumers: usize, items: usize) -> Self {
        let group = trace.group(queue);
        let on = trace.is_on();
        let producer = on.then(|| trace.track(group, "producer"));
        let consumers = if on {
            (1..=consumers)
                .map(|c| trace.track(group, &format!("consumer #{c}")))
                .collect()
        } else {
            Vec::new()
        };
        let step = if items <= EVERY_LEVEL {
            1
        } else {
            items / 1_000
        };
        Lanes {
            trace,
            group,
            producer,
            working: RefCell::new(vec![None; consumers.len()]),
            consumers,
            sent: Cell::new(Instant::now()),
            step,
        }
    }

    /// The producer's clock starts now.
    pub fn start(&self) {
        self.sent.set(Instant::now());
    }

    fn level(&self, waiting: usize) {
        if waiting.is_multiple_of(self.step) {
            let at = Instant::now();
            uncounted(|| (self.trace).counter(self.group, "items waiting", at, waiting as f64));
        }
    }

    /// Item `id` is in the queue, and `waiting` items now wait.
    pub fn queued(&self, id: usize, waiting: usize) {
        let Some(track) = self.producer else { return };
        let now = Instant::now();
        if id < SAMPLE_ITEMS {
            let from = self.sent.get();
            uncounted(|| (self.trace).slice(track, "send", &format!("send item #{id}"), from, now));
        }
        self.sent.set(now);
        self.level(waiting);
    }

    /// Consumer `c` (from 0) took item `id`; `waiting` items are left.
    pub fn taken(&self, c: usize, id: usize, waiting: usize) {
        if !self.trace.is_on() {
            return;
        }
        if let Some(slot) = self.working.borrow_mut().get_mut(c) {
            *slot = Some((id, Instant::now()));
        }
        self.level(waiting);
    }

    /// Consumer `c` is done with its item.
    pub fn worked(&self, c: usize) {
        let (Some(track), Some(Some((id, from)))) =
            (self.consumers.get(c), self.working.borrow().get(c).copied())
        else {
            return;
        };
        if id < SAMPLE_ITEMS {
            let now = Instant::now();
            uncounted(|| (self.trace).slice(*track, "work", &format!("item #{id}"), from, now));
        }
    }

    pub fn producer_finished(&self) {
        if let Some(track) = self.producer {
            let now = Instant::now();
            uncounted(|| self.trace.instant(track, "producer done", now));
        }
    }
}

/// The note and output line for a run past the sample, or None.
pub fn sample_note(trace: &Trace, items: usize) -> Option<String> {
    (trace.is_on() && items > SAMPLE_ITEMS).then(|| {
        let levels = if items > EVERY_LEVEL {
            format!("every {}th level of 'items waiting'", items / 1_000)
        } else {
            "every level of 'items waiting'".to_string()
        };
        format!(
            "a sample: the sends and work of items #0 to #{} of {items}, and {levels}",
            SAMPLE_ITEMS - 1
        )
    })
}

/// Writes the trace, saying first when it is a sample; one `error:` line if it cannot.
pub fn write(trace: &Trace, items: usize, path: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context;
    if let Some(note) = sample_note(trace, items) {
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
