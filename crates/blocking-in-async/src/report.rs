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
    /// Each row's key, its figures, and the cores' worth of CPU time the process got
    /// while it ran (CPU time / wall time).
    rows: Vec<(String, Measured, f64)>,
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
            "{tasks} tasks (tasks), each blocking for {} ms (block_ms); a heartbeat wants to tick every {} ms",
            block.as_millis(),
            tick.as_millis(),
        );
        println!(
            "on {cores} core{} (cores); the CPU loop ({} ms of CPU time) took {:.0} ms of wall time alone",
            if cores == 1 { "" } else { "s" },
            block.as_millis(),
            ms(spin_alone),
        );
        println!(
            "runtime: current_thread = one thread polls every task, as asyncio's loop does; multi_thread({workers}) ="
        );
        println!(
            "  {workers} worker threads (workers) share the tasks, each polling one at a time. oneshot: a channel for"
        );
        println!(
            "  one value, here rayon's result back to the task that awaits it (asyncio: a Future set from a thread)"
        );
        println!();
        println!(
            "{:<15} {:<35} {:<16} {:>9} {:>8} {:>15} {:>6}",
            "row",
            "how each task waits",
            "runtime",
            "elapsed",
            "x block",
            "heartbeat late",
            "ticks"
        );
        Report {
            tasks,
            block,
            tick,
            workers,
            cores,
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
        let cpu_before = process_cpu_time();
        let m = measure(runtime, self.tick, work(lanes), heartbeat)?;
        let cpu = process_cpu_time().saturating_sub(cpu_before);
        let runtime = runtime_name;
        println!(
            "{key:<15} {how:<35} {runtime:<16} {:>6.0} ms {:>8.2} {:>12.1} ms {:>6}",
            ms(m.elapsed),
            m.elapsed.as_secs_f64() / self.block.as_secs_f64(),
            ms(m.worst_late),
            m.ticks
        );
        let cores_got = cpu.as_secs_f64() / m.elapsed.as_secs_f64();
        self.rows.push((key.to_string(), m, cores_got));
        Ok(())
    }

    /// What the table shows, in the terms of this run.
    pub fn explain(&self) {
        let (n, w, block) = (self.tasks, self.workers, self.block.as_millis());
        println!();
        println!(
            "x block: elapsed / one block ({block} ms): {n} on one thread, {n}/{w} on {w} workers, 1 when the blocks overlap."
        );
        println!(
            "heartbeat late: the longest a tick waited past its time; ticks: how many it got in during the row."
        );
        println!(
            "summary keys: <row>_x is a row's x block (current_sleep_x ...), <row>_late_ms its heartbeat late,"
        );
        println!(
            "  for current_sleep, spawn_blocking, rayon and tokio_sleep (the others are in the table only)."
        );
        println!(
            "A blocked worker runs nothing else: the heartbeat waits for it (late by a block or more)."
        );
        println!("The CPU rows need a core per thread: on fewer cores than threads, or cores that");
        println!("other programs share, they take longer.");
        if let Some(line) = self.busy() {
            println!("{line}");
        }
        println!(
            "spawn_blocking, rayon and tokio's sleep keep the runtime's one thread free to tick."
        );
        let warm_up = 2 * self.tick.as_millis();
        println!();
        println!(
            "ideal_s {:.3}: the time the deliberate waits alone take: the CPU loop alone, then each row's",
            self.ideal()
        );
        println!(
            "  blocks, as many at a time as the row allows and the cores can run, and its {warm_up} ms of warm-up ticks"
        );
    }

    /// One line, when the CPU rows got less of the cores than they could use (CPU time
    /// against wall time x the cores a row can keep busy): the reason their x block reads
    /// above what the lesson leads one to expect. None on a quiet machine.
    fn busy(&self) -> Option<String> {
        let usable = |key: &str| match key {
            "current_cpu" => 1.0,
            _ => self.workers.min(self.cores as u32) as f64, // multi_cpu, rayon
        };
        let short: Vec<String> = self
            .rows
            .iter()
            .filter(|(key, _, _)| matches!(key.as_str(), "current_cpu" | "multi_cpu" | "rayon"))
            .filter(|(key, _, got)| *got < 0.8 * usable(key))
            .map(|(key, _, got)| {
                let of = usable(key);
                let unit = if of == 1.0 { "core" } else { "cores" };
                format!("{key} {got:.2} of {of} {unit}")
            })
            .collect();
        if short.is_empty() {
            return None; // a quiet machine: nothing to say
        }
        let load = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|l| {
                l.split_whitespace()
                    .next()
                    .map(|a| format!(" (load average {a})"))
            })
            .unwrap_or_default();
        Some(format!(
            "busy machine: CPU time / wall time was {}{load}: other programs had the rest, so these x block read high",
            short.join(", ")
        ))
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

    /// The deliberate waits: the CPU loop alone, each way's two warm-up ticks, and each
    /// way's blocks run as many at a time as that way allows (and no machine can beat).
    fn ideal(&self) -> f64 {
        let blocks: f64 = self
            .rows
            .iter()
            .map(|(key, _, _)| self.ideal_blocks(key))
            .sum();
        let warm_up = self.tick.as_secs_f64() * 2.0 * self.rows.len() as f64;
        self.block.as_secs_f64() * (1.0 + blocks) + warm_up
    }

    pub fn summary(&self) -> Summary<'_> {
        Summary(self)
    }
}

/// The processor time the whole process (all its threads) has used so far.
fn process_cpu_time() -> Duration {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_PROCESS_CPUTIME_ID)
        .map(Duration::from)
        .unwrap_or_default()
}

/// The figures this run measured, printed as the closing `summary:` line.
pub struct Summary<'a>(&'a Report);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        let mut fields = vec![
            ("tasks".to_string(), r.tasks.to_string()),
            ("block_ms".to_string(), r.block.as_millis().to_string()),
            ("workers".to_string(), r.workers.to_string()),
            ("cores".to_string(), r.cores.to_string()),
        ];
        for (key, m, _) in &r.rows {
            let x = m.elapsed.as_secs_f64() / r.block.as_secs_f64();
            fields.push((format!("{key}_x"), format!("{x:.2}")));
        }
        for (key, m, _) in &r.rows {
            if LATE_KEYS.contains(&key.as_str()) {
                fields.push((format!("{key}_late_ms"), format!("{:.1}", ms(m.worst_late))));
            }
        }
        fields.push(("ideal_s".to_string(), format!("{:.3}", r.ideal())));
        let fields: Vec<(&str, String)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        write_summary(f, &fields)
    }
}

/// The rows whose heartbeat lateness the summary line carries: one blocked, three freed.
const LATE_KEYS: [&str; 4] = ["current_sleep", "spawn_blocking", "rayon", "tokio_sleep"];

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
