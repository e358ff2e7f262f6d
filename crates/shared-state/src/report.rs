//! The harness: a printed line per way of counting, and the closing summary line.

use std::collections::HashSet;
use std::fmt;
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::runtime::Runtime;

use crate::cost::Cost;
use crate::output::write_summary;
use crate::tasks::Tasks;

/// What one way of counting measured.
pub struct Row {
    /// The counter's value after every task has finished.
    pub counter: u64,
    pub elapsed: Duration,
    /// How many OS threads the tasks ran on.
    pub threads: usize,
}

impl Row {
    /// Runs `work`, the tasks of one version, to the end on `runtime`, timing it, then
    /// reads the counter and counts the threads the tasks ran on. A task that failed
    /// (panicked) is an error: the counter would hold one update too few, and say nothing.
    pub fn measure(
        runtime: &Runtime,
        work: Tasks,
        counter: &dyn Fn() -> u64,
    ) -> anyhow::Result<Row> {
        let start = Instant::now();
        let threads: HashSet<ThreadId> = runtime
            .block_on(work)
            .and_then(|all_ended| all_ended)
            .context("one of its tasks failed, so the counter would miss its update; fix the task")?
            .into_iter()
            .collect();
        Ok(Row {
            counter: counter(),
            elapsed: start.elapsed(),
            threads: threads.len(),
        })
    }

    /// Prints the row under its summary key, and hands it on for the summary. `ideal`: the
    /// row's awaits alone (one delay where they overlap, `tasks` delays behind a lock).
    pub fn print(self, key: &str, name: &str, tasks: usize, ideal: Duration) -> Row {
        let beyond_ms = (self.elapsed.as_secs_f64() - ideal.as_secs_f64()) * 1e3;
        println!(
            "  {key:<11} {name:<42} {:>11} {:>9.3} s {:>7.3} s {beyond_ms:>+7.1} ms {:>6.3} {:>7}",
            format!("{} of {tasks}", self.counter),
            self.elapsed.as_secs_f64(),
            ideal.as_secs_f64(),
            self.elapsed.as_secs_f64() / ideal.as_secs_f64(),
            self.threads
        );
        self
    }
}

/// The table's head: what the run does, its columns, and the keys they are in the summary.
pub fn print_head(tasks: usize, delay_ms: u64) {
    println!(
        "{tasks} tasks on one thread, each: read the counter, await {delay_ms} ms (delay_ms), write it + 1"
    );
    println!(
        "  {:<11} {:<42} {:>11} {:>11} {:>9} {:>10} {:>6} {:>7}",
        "key",
        "how each task updates the counter",
        "counter",
        "elapsed",
        "ideal",
        "beyond",
        "ratio",
        "threads"
    );
}

/// What the columns mean, from this run's figures: said once, under the table.
pub fn explain(tasks: usize, delay_ms: u64, locked: &Row, lost: &Row) {
    let delay = delay_ms as f64 / 1e3;
    let beyond =
        |row: &Row, delays: usize| (row.elapsed.as_secs_f64() - delay * delays as f64) * 1e3;
    println!(
        "counter: its value once every task ended (summary: counter_<key>); threads: the OS \
         threads the tasks ran on (summary: threads, the most of any row)"
    );
    println!(
        "ideal: the row's awaits alone: one {delay_ms} ms where the {tasks} awaits overlap, \
         {tasks} x {delay_ms} ms where async_lock makes them wait their turn; ideal_s = {:.3} s, \
         the four rows' ideals added up",
        delay * (tasks + 3) as f64
    );
    println!(
        "ratio: elapsed / ideal, in times, no unit (summary: ratio_<key>). What is beyond the \
         ideal is a few ms whatever --delay-ms: each sleep ends at the timer's first 1 ms tick \
         after its deadline, and the thread does its own work on each task (spawn, poll, wake). Against one {delay_ms} ms \
         await, lost's {:+.1} ms reads as {:.3}; async_lock pays the tick on each of its {tasks} \
         awaits in turn, {:+.1} ms = {:.2} ms an await",
        beyond(lost, 1),
        lost.elapsed.as_secs_f64() / delay,
        beyond(locked, tasks),
        beyond(locked, tasks) / tasks as f64
    );
}

/// The figures this run measured, printed as the closing `summary:` line.
pub struct Summary {
    pub tasks: usize,
    pub delay: Duration,
    pub lost: Row,
    pub locked: Row,
    pub atomic: Row,
    pub std_mutex: Row,
    pub cost: Cost,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let delay = self.delay.as_secs_f64();
        let ratio = |row: &Row, delays: usize| row.elapsed.as_secs_f64() / (delay * delays as f64);
        let threads = [&self.lost, &self.locked, &self.atomic, &self.std_mutex]
            .iter()
            .map(|row| row.threads)
            .max()
            .unwrap_or(0);
        write_summary(
            f,
            &[
                ("tasks", self.tasks.to_string()),
                ("delay_ms", self.delay.as_millis().to_string()),
                ("counter_lost", self.lost.counter.to_string()),
                ("counter_async_lock", self.locked.counter.to_string()),
                ("counter_one_step", self.atomic.counter.to_string()),
                ("counter_sync_lock", self.std_mutex.counter.to_string()),
                ("threads", threads.to_string()),
                ("ratio_lost", format!("{:.3}", ratio(&self.lost, 1))),
                (
                    "ratio_async_lock",
                    format!("{:.3}", ratio(&self.locked, self.tasks)),
                ),
                ("ratio_one_step", format!("{:.3}", ratio(&self.atomic, 1))),
                (
                    "ratio_sync_lock",
                    format!("{:.3}", ratio(&self.std_mutex, 1)),
                ),
                ("ns_async_lock", format!("{:.1}", self.cost.tokio_mutex_ns)),
                ("ns_sync_lock", format!("{:.1}", self.cost.std_mutex_ns)),
                ("ns_one_step", format!("{:.1}", self.cost.atomic_ns)),
                ("ideal_s", format!("{:.3}", delay * (self.tasks + 3) as f64)),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::thread;

    use super::Row;

    /// One task of three panics: its version has no count to show, and says so, instead
    /// of a counter one short on "0 threads".
    #[test]
    fn a_failed_task_is_an_error_not_a_figure() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let _enter = runtime.enter();
        let started = AtomicUsize::new(0);
        let trace = std::sync::Arc::new(crate::trace::Trace::off());
        let lanes = crate::lanes::Lanes::new(&trace, "a row", 1);
        let work = crate::tasks::spawn_all(3, &lanes, |_| {
            let second = started.fetch_add(1, SeqCst) == 1;
            async move {
                assert!(!second, "the second task fails");
                thread::current().id()
            }
        });
        let error = Row::measure(&runtime, work, &|| 2).err().expect("an error");
        let error = format!("{error:#}");
        assert!(error.starts_with("one of its tasks failed"), "{error}");
        assert!(error.contains("the second task fails"), "{error}");
    }
}
