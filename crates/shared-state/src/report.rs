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

    /// Prints the row, and hands it on for the summary.
    pub fn print(self, name: &str, tasks: usize) -> Row {
        println!(
            "{name:<32} counter {:>6} (expected {tasks})   {:.3} s   on {} thread(s)",
            self.counter,
            self.elapsed.as_secs_f64(),
            self.threads
        );
        self
    }
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
                ("counter_tokio_mutex", self.locked.counter.to_string()),
                ("counter_atomic", self.atomic.counter.to_string()),
                ("counter_std_mutex", self.std_mutex.counter.to_string()),
                ("threads", threads.to_string()),
                ("ratio_lost", format!("{:.3}", ratio(&self.lost, 1))),
                (
                    "ratio_tokio_mutex",
                    format!("{:.3}", ratio(&self.locked, self.tasks)),
                ),
                ("ratio_atomic", format!("{:.3}", ratio(&self.atomic, 1))),
                ("ns_tokio_mutex", format!("{:.1}", self.cost.tokio_mutex_ns)),
                ("ns_std_mutex", format!("{:.1}", self.cost.std_mutex_ns)),
                ("ns_atomic", format!("{:.1}", self.cost.atomic_ns)),
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
