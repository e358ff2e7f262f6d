//! The harness: a printed line per way of counting, the closing summary line, and the
//! closed-pipe hook.

use std::collections::HashSet;
use std::fmt;
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

use crate::cost::Cost;

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
    /// reads the counter and counts the threads the tasks ran on.
    pub fn measure(
        runtime: &Runtime,
        work: JoinHandle<Vec<ThreadId>>,
        counter: &dyn Fn() -> u64,
    ) -> Row {
        let start = Instant::now();
        let threads: HashSet<ThreadId> = runtime
            .block_on(work)
            .unwrap_or_default()
            .into_iter()
            .collect();
        Row {
            counter: counter(),
            elapsed: start.elapsed(),
            threads: threads.len(),
        }
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
        write!(
            f,
            "summary: tasks={} delay_ms={} counter_lost={} counter_tokio_mutex={} counter_atomic={} \
             counter_std_mutex={} threads={threads} ratio_lost={:.3} ratio_tokio_mutex={:.3} \
             ratio_atomic={:.3} ns_tokio_mutex={:.1} ns_std_mutex={:.1} ns_atomic={:.1} ideal_s={:.3}",
            self.tasks,
            self.delay.as_millis(),
            self.lost.counter,
            self.locked.counter,
            self.atomic.counter,
            self.std_mutex.counter,
            ratio(&self.lost, 1),
            ratio(&self.locked, self.tasks),
            ratio(&self.atomic, 1),
            self.cost.tokio_mutex_ns,
            self.cost.std_mutex_ns,
            self.cost.atomic_ns,
            delay * (self.tasks + 3) as f64,
        )
    }
}

/// `demo | head` closes the pipe early, and the next `println!` then panics with
/// "Broken pipe". The reader is done, the program is not wrong: end quietly, status 0.
pub fn end_quietly_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.to_string().contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
