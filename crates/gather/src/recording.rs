//! The harness behind `--trace`: what the run looks like in a viewer. One group for the
//! join (gathered, or `--blocking`), one track per `count()` coroutine with a slice for its
//! sleep (`count #2: sleep 1000 ms`) and instants for its One and Two, a counter of the
//! coroutines asleep, and the main thread's own phases. A run too large to draw (more than
//! [`SAMPLE`] coroutines) gets tracks for the first [`SAMPLE`] only; the counter still
//! counts all of them, and the trace's note says so.

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

use crate::events::Word;
use crate::report::Phases;
use crate::trace::{Group, Trace, Track};

/// The most coroutines drawn as tracks of their own.
pub const SAMPLE: u32 = 100;

/// The lanes of one run, and the state between a coroutine's One and its Two.
pub struct Recorder<'t> {
    trace: &'t Trace,
    group: Group,
    count: u32,
    kind: &'static str,
    delay_ms: u64,
    /// The sampled coroutines' tracks and the moment each said One.
    lanes: RefCell<Vec<(Track, Option<Instant>)>>,
    asleep: Cell<u32>,
    /// Above the sample, the counter is written every `step` changes, not at each.
    step: u32,
}

impl<'t> Recorder<'t> {
    pub fn new(trace: &'t Trace, count: u32, delay_ms: u64, blocking: bool) -> Self {
        let name = if blocking {
            format!("--blocking: {count} count()s, std::thread::sleep inside, one thread")
        } else {
            format!("gather: {count} count()s joined on one thread")
        };
        let group = trace.group(&name);
        let mut lanes = Vec::new();
        if trace.is_on() {
            for id in 1..=count.min(SAMPLE) {
                lanes.push((trace.track(group, &format!("count #{id}")), None));
            }
            if count > SAMPLE {
                trace.note(&sample_note(count));
            }
        }
        Recorder {
            trace,
            group,
            count,
            kind: if blocking { "blocking sleep" } else { "sleep" },
            delay_ms,
            lanes: RefCell::new(lanes),
            asleep: Cell::new(0),
            step: (count / SAMPLE).max(1),
        }
    }

    /// A One or a Two of coroutine `id`: its instant, and at the Two, its sleep's slice.
    /// Off, one branch; above the sample, a counter's arithmetic and no clock read.
    pub fn record(&self, word: Word, id: u32) {
        if !self.trace.is_on() {
            return;
        }
        let asleep = match word {
            Word::One => self.asleep.get() + 1,
            Word::Two => self.asleep.get().saturating_sub(1),
        };
        self.asleep.set(asleep);
        let sampled = id <= SAMPLE;
        let edge = asleep == 0 || asleep == self.count;
        let on_counter = self.count <= SAMPLE || asleep % self.step == 0 || edge;
        if !sampled && !on_counter {
            return;
        }
        let now = Instant::now();
        if on_counter {
            let level = f64::from(asleep);
            self.trace
                .counter(self.group, "coroutines asleep", now, level);
        }
        if !sampled {
            return;
        }
        let mut lanes = self.lanes.borrow_mut();
        let Some((track, said_one)) = lanes.get_mut(id as usize - 1) else {
            return;
        };
        self.trace.instant(*track, word.name(), now);
        match word {
            Word::One => *said_one = Some(now),
            Word::Two => {
                let from = said_one.unwrap_or(now);
                let name = format!("count #{id}: sleep {} ms", self.delay_ms);
                self.trace.slice(*track, self.kind, &name, from, now);
            }
        }
    }

    /// The one thread's own work, from the measured phases (gathered runs only: blocked,
    /// the thread is inside the coroutines' sleeps the whole time).
    pub fn thread_phases(&self, start: Instant, p: &Phases) {
        if !self.trace.is_on() {
            return;
        }
        let thread = self.trace.track(self.group, "the one thread");
        let at = |d: Duration| start + d;
        let phases = [
            ("work", "build the join", Duration::ZERO, p.first_one),
            (
                "work",
                "poll each: One, arm its timer",
                p.first_one,
                p.all_started,
            ),
            (
                "idle",
                "nothing to run: all asleep",
                p.all_started,
                p.first_two,
            ),
            ("work", "wake each: Two, free it", p.first_two, p.elapsed),
        ];
        for (kind, name, from, to) in phases {
            if to > from {
                self.trace.slice(thread, kind, name, at(from), at(to));
            }
        }
        self.trace
            .counter(self.group, "coroutines asleep", at(p.elapsed), 0.0);
    }
}

fn sample_note(count: u32) -> String {
    format!(
        "a sample: only coroutines #1 to #{SAMPLE} of {count} have tracks of their own; \
         the counter 'coroutines asleep' covers all {count}"
    )
}

/// The output line that says the trace is a sample, or None when it holds every coroutine.
pub fn sample_line(trace: &Trace, count: u32) -> Option<String> {
    (trace.is_on() && count > SAMPLE).then(|| format!("trace: {}", sample_note(count)))
}

/// Writes the trace, saying first when it is a sample; one `error:` line if it cannot.
pub fn write(trace: &Trace, count: u32, path: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context;
    if let Some(line) = sample_line(trace, count) {
        println!("{line}");
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
