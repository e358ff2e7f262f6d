//! The harness: the table of ways, the reading after it, and the summary line.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::{Runtime, RuntimeFlavor};

use crate::heartbeat::{Measured, measure};
use crate::lanes::Lanes;
use crate::output::write_summary;
use crate::trace::Trace;

/// Collects each way's figures as the demo runs it, and prints them as a table.
pub struct Report {
    tasks: u32,
    block: Duration,
    tick: Duration,
    workers: u32,
    cores: usize,
    spin_alone: Duration,
    rows: Vec<(String, Measured)>,
    trace: Arc<Trace>,
}

impl Report {
    pub fn new(
        tasks: u32,
        block: Duration,
        tick: Duration,
        workers: u32,
        spin_alone: Duration,
        trace: &Arc<Trace>,
    ) -> Report {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        println!(
            "{tasks} tasks, each blocking for {} ms; a heartbeat wants to tick every {} ms ({cores} core{})",
            block.as_millis(),
            tick.as_millis(),
            if cores == 1 { "" } else { "s" }
        );
        println!(
            "the CPU loop ({} ms of CPU time) took {:.0} ms of wall time alone{}",
            block.as_millis(),
            ms(spin_alone),
            if spin_alone > block.mul_f64(1.2) {
                ": other programs share the cores"
            } else {
                ""
            }
        );
        println!();
        println!(
            "{:<38} {:<16} {:>9} {:>8} {:>15} {:>6}",
            "how each task waits", "runtime", "elapsed", "x block", "heartbeat late", "ticks"
        );
        Report {
            tasks,
            block,
            tick,
            workers,
            cores,
            spin_alone,
            rows: Vec::new(),
            trace: Arc::clone(trace),
        }
    }

    /// Runs one way's `work` on `runtime` with the heartbeat beside it, and prints its
    /// line as soon as it is measured. The row is a group of the trace: the heartbeat's
    /// ticks on one track, each task on its own.
    pub fn run<E, F: Future<Output = Result<(), E>>>(
        &mut self,
        key: &str,
        runtime: &Runtime,
        work: impl FnOnce(Lanes) -> F,
    ) -> Result<(), E> {
        let runtime_name = match runtime.handle().runtime_flavor() {
            RuntimeFlavor::CurrentThread => "current_thread".to_string(),
            _ => format!("multi_thread({})", runtime.metrics().num_workers()),
        };
        let (how, kind) = match key {
            "current_sleep" | "multi_sleep" => (
                "std::thread::sleep in each task".to_string(),
                "blocks its worker (sleep)",
            ),
            "current_cpu" | "multi_cpu" => (
                "a CPU loop in each task".to_string(),
                "blocks its worker (CPU loop)",
            ),
            "spawn_blocking" => (
                "spawn_blocking(std::thread::sleep)".to_string(),
                "sleeps on the blocking pool",
            ),
            "rayon" => (
                format!("CPU loop on rayon({}), oneshot back", self.workers),
                "computes on rayon",
            ),
            _ => (
                "tokio::time::sleep(..).await".to_string(),
                "awaits the timer",
            ),
        };
        let group = self.trace.group(&format!("{key}: {how}, {runtime_name}"));
        let every = format!("heartbeat: every {} ms", self.tick.as_millis());
        let heartbeat = (Arc::clone(&self.trace), self.trace.track(group, &every));
        let lanes = Lanes::new(&self.trace, group, kind);
        let m = measure(runtime, self.tick, work(lanes), heartbeat)?;
        let runtime = runtime_name;
        println!(
            "{how:<38} {runtime:<16} {:>6.0} ms {:>8.2} {:>12.1} ms {:>6}",
            ms(m.elapsed),
            m.elapsed.as_secs_f64() / self.block.as_secs_f64(),
            ms(m.worst_late),
            m.ticks
        );
        self.rows.push((key.to_string(), m));
        Ok(())
    }

    /// What the table shows, in the terms of this run.
    pub fn explain(&self) {
        let (n, w) = (self.tasks, self.workers);
        println!();
        println!(
            "x block is elapsed / one block: {n} on one thread, {n}/{w} on {w} workers, 1 when the blocks overlap."
        );
        println!(
            "A blocked worker runs nothing else: the heartbeat waits for it (late by a block or more)."
        );
        println!("The CPU rows need a core per thread: on fewer cores than threads, or cores that");
        println!("other programs share, they take longer (the CPU loop's time alone is above).");
        println!(
            "spawn_blocking, rayon and tokio's sleep keep the runtime's one thread free to tick."
        );
    }

    /// How long a way takes at best, in blocks: one after another on one thread, `workers`
    /// at a time on the workers, and CPU work no faster than the cores can run it; all at
    /// once where the blocks leave the runtime or are awaited.
    fn ideal_blocks(&self, key: &str) -> f64 {
        let (n, w, cores) = (self.tasks, self.workers, self.cores as f64);
        let rounds = f64::from(n.div_ceil(w));
        match key {
            "current_sleep" | "current_cpu" => f64::from(n),
            "multi_sleep" => rounds,
            "multi_cpu" | "rayon" => rounds.max(f64::from(n) / cores),
            _ => 1.0, // spawn_blocking, tokio_sleep
        }
    }

    pub fn summary(&self) -> Summary<'_> {
        Summary(self)
    }
}

/// The figures this run measured, printed as the closing `summary:` line.
pub struct Summary<'a>(&'a Report);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        let mut fields = vec![
            ("tasks".to_string(), r.tasks.to_string()),
            ("block_ms".to_string(), r.block.as_millis().to_string()),
            ("tick_ms".to_string(), r.tick.as_millis().to_string()),
            ("workers".to_string(), r.workers.to_string()),
            ("cores".to_string(), r.cores.to_string()),
            (
                "spin_alone_ms".to_string(),
                format!("{:.0}", ms(r.spin_alone)),
            ),
        ];
        for (key, m) in &r.rows {
            let x = m.elapsed.as_secs_f64() / r.block.as_secs_f64();
            fields.push((format!("{key}_x"), format!("{x:.2}")));
            fields.push((format!("{key}_late_ms"), format!("{:.1}", ms(m.worst_late))));
        }
        // The deliberate waits: the CPU loop alone, each way's two warm-up ticks, and each
        // way's blocks run as many at a time as that way allows (and no machine can beat).
        let blocks: f64 = r.rows.iter().map(|(key, _)| r.ideal_blocks(key)).sum();
        let warm_up = r.tick.as_secs_f64() * 2.0 * r.rows.len() as f64;
        let ideal = r.block.as_secs_f64() * (1.0 + blocks) + warm_up;
        fields.push(("ideal_s".to_string(), format!("{ideal:.3}")));
        let fields: Vec<(&str, String)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        write_summary(f, &fields)
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
