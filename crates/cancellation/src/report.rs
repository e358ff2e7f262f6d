//! The harness: the table of cases, the reading after it, and the summary line.

use std::fmt;
use std::time::{Duration, Instant};

use crate::counts::{Got, Tally};
use crate::output::write_summary;

/// Collects each case's counts as the demo runs it, and prints them as a table.
pub struct Report {
    work: Duration,
    limit: Duration,
    start: Instant,
    cases: Vec<(&'static str, Tally, Got)>,
}

impl Report {
    pub fn new(work: Duration, limit: Duration) -> Report {
        println!(
            "a job: start, wait {} ms (work_ms) at an .await, finish; a Drop guard is its cleanup",
            work.as_millis()
        );
        println!("  .await: where a task hands the thread back while it waits, as in Python");
        println!(
            "  Drop: code Rust runs when a value is thrown away, mid-way or not (here: the job's finally)"
        );
        println!(
            "the caller stops waiting after {} ms (timeout_ms), seven ways: one case each",
            limit.as_millis()
        );
        println!();
        println!(
            "{:<15} {:<29} {:<15} {:>7} {:>9} {:>7}  {:<9}  in asyncio",
            "case",
            "how the caller stops waiting",
            "the caller got",
            "started",
            "completed",
            "cleanup",
            "the job"
        );
        Report {
            work,
            limit,
            start: Instant::now(),
            cases: Vec::new(),
        }
    }

    /// Prints one case's line as soon as it is counted.
    pub fn case(&mut self, key: &'static str, (tally, got): (Tally, Got)) {
        let ms = self.limit.as_millis();
        let (how, python) = match key {
            "timeout_future" => (
                format!("timeout({ms} ms, future)"),
                "timeout() around a coroutine",
            ),
            "timeout_handle" => (
                format!("timeout({ms} ms, JoinHandle)"),
                "timeout() around shield(task)",
            ),
            "abort" => ("handle.abort()".to_string(), "task.cancel()"),
            "abort_blocking" => (
                "abort() on spawn_blocking".to_string(),
                "cancel a to_thread task",
            ),
            "never_awaited" => (
                "future built, never awaited".to_string(),
                "a coroutine never awaited",
            ),
            "spawned" => (
                "tokio::spawn, never awaited".to_string(),
                "create_task, never awaited",
            ),
            _ => (
                "drop(JoinHandle)".to_string(),
                "create_task, no reference kept",
            ),
        };
        println!(
            "{key:<15} {how:<29} {:<15} {:>7} {:>9} {:>7}  {:<9}  {python}",
            got.shown(),
            tally.started,
            tally.completed,
            tally.cleanup,
            tally.word()
        );
        self.cases.push((key, tally, got));
    }

    /// What the table shows, each word once; then what ideal_s is.
    pub fn explain(&self) -> Summary<'_> {
        let elapsed = self.start.elapsed();
        println!();
        println!(
            "started, completed: the job reached its start, its end. cleanup: its Drop ran before the end."
        );
        println!(
            "the job: cancelled = dropped at its .await; only its Drop ran, the rest never will"
        );
        println!(
            "         finished  = ran to its end, though the caller stopped waiting: a handle is not the task"
        );
        println!(
            "         never_ran = a future does nothing until it is polled (run on by an .await or the runtime)"
        );
        println!(
            "JoinHandle: what tokio::spawn returns, to await the task's result (asyncio: the Task object)."
        );
        println!(
            "spawn_blocking: runs a plain function on a pool of threads (asyncio.to_thread). Err(Elapsed):"
        );
        println!("  the timeout's time was up; Err(Cancelled): the task was aborted.");
        let (n, work, limit) = (
            self.cases.len(),
            self.work.as_millis(),
            self.limit.as_millis(),
        );
        println!();
        println!(
            "elapsed_s {:.3}: the run's wall time. ideal_s {:.3}: the time the deliberate waits alone take:",
            elapsed.as_secs_f64(),
            self.ideal()
        );
        println!(
            "  one job's length per case ({n} x {work} ms), and the caller's {limit} ms in the two cases"
        );
        println!(
            "  that stop a running job (timeout on the future, abort) before they wait it out"
        );
        Summary {
            report: self,
            elapsed,
        }
    }

    /// Each case waits out one job's length (the cancelled ones to show it never ends),
    /// and the two that cancel a running job (timeout on the future, abort) first wait for
    /// the caller to give up.
    fn ideal(&self) -> f64 {
        self.work.as_secs_f64() * self.cases.len() as f64 + self.limit.as_secs_f64() * 2.0
    }
}

/// The figures this run counted, printed as the closing `summary:` line: one word per
/// case (the table's "the job" column), the run's two lengths and its time.
pub struct Summary<'a> {
    report: &'a Report,
    elapsed: Duration,
}

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.report;
        let mut fields = vec![
            ("work_ms", r.work.as_millis().to_string()),
            ("timeout_ms", r.limit.as_millis().to_string()),
        ];
        for (key, t, _) in &r.cases {
            fields.push((key, t.word()));
        }
        let elapsed = self.elapsed.as_secs_f64();
        fields.push(("elapsed_s", format!("{elapsed:.3}")));
        fields.push(("ideal_s", format!("{:.3}", r.ideal())));
        write_summary(f, &fields)
    }
}
