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
            "a job: start, wait {} ms at an .await, finish; a Drop guard is its cleanup",
            work.as_millis()
        );
        println!(
            "the caller stops waiting after {} ms, seven ways",
            limit.as_millis()
        );
        println!();
        println!(
            "{:<34} {:<15} {:>7} {:>9} {:>7}  in asyncio",
            "how the caller stops waiting", "the caller got", "started", "completed", "cleanup"
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
                "timeout() around a coroutine: cancelled, finally ran",
            ),
            "timeout_handle" => (
                format!("timeout({ms} ms, JoinHandle)"),
                "timeout() around shield(task): runs on",
            ),
            "abort" => (
                "handle.abort()".to_string(),
                "task.cancel(): CancelledError inside",
            ),
            "abort_blocking" => (
                "abort() on spawn_blocking".to_string(),
                "cancel a to_thread task: thread runs on",
            ),
            "never_awaited" => (
                "future built, never awaited".to_string(),
                "coroutine never awaited: never runs",
            ),
            "spawned" => (
                "tokio::spawn, never awaited".to_string(),
                "create_task: runs anyway",
            ),
            _ => (
                "drop(JoinHandle)".to_string(),
                "create_task, no handle kept: runs on",
            ),
        };
        println!(
            "{how:<34} {:<15} {:>7} {:>9} {:>7}  {python}",
            got.shown(),
            tally.started,
            tally.completed,
            tally.cleanup
        );
        self.cases.push((key, tally, got));
    }

    /// What the table shows.
    pub fn explain(&self) {
        println!();
        println!(
            "completed 0, cleanup 1: the future was dropped at its .await; only its Drop ran."
        );
        println!(
            "completed 1: the job ran on, though the caller stopped waiting (a handle is not the task)."
        );
        println!("started 0: a future does nothing until it is polled.");
    }

    pub fn summary(&self) -> Summary<'_> {
        Summary {
            report: self,
            elapsed: self.start.elapsed(),
        }
    }
}

/// The figures this run counted, printed as the closing `summary:` line.
pub struct Summary<'a> {
    report: &'a Report,
    elapsed: Duration,
}

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.report;
        let mut fields = vec![
            ("work_ms".to_string(), r.work.as_millis().to_string()),
            ("timeout_ms".to_string(), r.limit.as_millis().to_string()),
        ];
        for (key, t, got) in &r.cases {
            fields.push((format!("{key}_started"), t.started.to_string()));
            fields.push((format!("{key}_completed"), t.completed.to_string()));
            fields.push((format!("{key}_cleanup"), t.cleanup.to_string()));
            if let Some(word) = got.word() {
                fields.push((format!("{key}_got"), word.to_string()));
            }
        }
        // Each case waits out one job's length (the cancelled ones to show it never ends),
        // and the two that cancel a running job (timeout on the future, abort) first wait
        // for the caller to give up.
        let ideal = r.work.as_secs_f64() * r.cases.len() as f64 + r.limit.as_secs_f64() * 2.0;
        let elapsed = self.elapsed.as_secs_f64();
        fields.push(("elapsed_s".to_string(), format!("{elapsed:.3}")));
        fields.push(("ideal_s".to_string(), format!("{ideal:.3}")));
        let fields: Vec<(&str, String)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        write_summary(f, &fields)
    }
}
