//! `--trace FILE`: the run as a Chrome trace. One group, the process; a track for the main
//! thread and one per named worker, each with its life as a slice (a worker sends its birth
//! and its end back through `join`); the moments main counts the threads; and a counter of
//! the OS's own thread count (/proc/self/task), read after each start and each join. A run
//! of more than 100 workers draws the first 100 and says so; the counter counts them all.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;

use crate::os::os_thread_count;
use crate::trace::{Group, Trace, Track};

/// Workers drawn as tracks; beyond this, only every n/100th start and join is counted.
const DRAWN: u32 = 100;

pub struct Lives {
    trace: Trace,
    group: Group,
    main: Track,
    workers: Vec<Track>,
    /// Read the count after every `every`th start and join.
    every: u32,
    n: u32,
}

impl Lives {
    /// Records nothing unless `on`; `n` is the number of workers to come.
    pub fn new(on: bool, n: u32) -> Lives {
        let trace = if on {
            Trace::new(Instant::now())
        } else {
            Trace::off()
        };
        let group = trace.group(&format!("one process: main and {n} named thread(s)"));
        let main = trace.track(group, "main thread");
        let drawn = if on { n.min(DRAWN) } else { 0 };
        let workers = (1..=drawn)
            .map(|k| trace.track(group, &format!("worker-{k}")))
            .collect();
        if on && n > DRAWN {
            trace.note(&format!(
                "only the first {DRAWN} of {n} workers are drawn as tracks; the thread count counts them all"
            ));
        }
        Lives {
            trace,
            group,
            main,
            workers,
            every: n.div_ceil(DRAWN).max(1),
            n,
        }
    }

    /// The trace, for part two's tracks.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Main counted `value` threads at the moment called `when`.
    pub fn count(&self, when: &str, value: usize) {
        if self.trace.is_on() {
            let now = Instant::now();
            let name = format!("main counts {value} thread(s): {when}");
            self.trace.instant(self.main, &name, now);
            self.level(value);
        }
    }

    /// The OS counted `value` threads just now.
    pub fn level(&self, value: usize) {
        let name = "OS thread count";
        self.trace
            .counter(self.group, name, Instant::now(), value as f64);
    }

    fn read_level(&self, k: u32) {
        if self.trace.is_on() && (k <= DRAWN || k.is_multiple_of(self.every)) {
            if let Ok(count) = os_thread_count() {
                self.level(count);
            }
        }
    }

    /// Worker `k` has been started.
    pub fn spawned(&self, k: u32) {
        self.read_level(k);
    }

    /// Worker `k`, which lived from `born` to `ended`, has been joined.
    pub fn joined(&self, k: u32, born: Instant, ended: Instant) {
        if let Some(track) = self.workers.get(k as usize - 1) {
            let name = format!("worker-{k}: alive");
            self.trace
                .slice(*track, "a thread's life", &name, born, ended);
        }
        self.read_level(k);
    }

    /// Writes the trace, the main thread's life included, and says so.
    pub fn write(&self, path: &Path, pid: u32) -> anyhow::Result<()> {
        let name = format!("main: process {pid}'s first thread, alive");
        let (start, now) = (self.trace.start(), Instant::now());
        self.trace
            .slice(self.main, "a thread's life", &name, start, now);
        self.trace.write(path).with_context(|| {
            format!(
                "cannot write the trace to {}; check that its folder exists",
                path.display()
            )
        })?;
        if self.n > DRAWN {
            println!(
                "trace: the first {DRAWN} workers are drawn as tracks; the thread count counts them all"
            );
        }
        println!(
            "trace written to {} (open it in ui.perfetto.dev or vizviewer)",
            path.display()
        );
        Ok(())
    }
}
