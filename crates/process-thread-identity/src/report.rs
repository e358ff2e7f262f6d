//! The harness: part two's heading and table, and the closing summary line.

use std::fmt;
use std::time::Duration;

use crate::output::write_summary;
use crate::word_processor::{Editor, NAMES, SENTENCE};

pub fn word_processor_heading(key: Duration, every: Duration) {
    println!(
        "\nPart two: the notes' word processor. One process, {} named threads, one document in\n\
         its memory (a Mutex around the text, a Condvar that tells the others \"it changed\"):\n\
         keystrokes types a {}-key sentence, pausing {} ms before each key (the typist);\n\
         display redraws the page after each change; autosave writes the document to a file\n\
         every {} ms; spelling checks each finished word.\n",
        NAMES.len(),
        SENTENCE.chars().count(),
        key.as_millis(),
        every.as_millis()
    );
}

pub fn print_editor(e: &Editor, main_alone: usize) {
    println!(
        "OS thread count while the editor runs (editor_threads): {} ({main_alone} before + {})",
        e.threads_during,
        NAMES.len()
    );
    println!(
        "{:<11} {:>8}  {:<44} {:>7} {:>9} {:>11}",
        "thread", "OS id", "did", "cpu_ms", "alive_ms", "waiting_pct"
    );
    for r in &e.reports {
        println!(
            "{:<11} {:>8}  {:<44} {:>7.2} {:>9.1} {:>11.1}",
            r.name,
            r.tid,
            r.did,
            r.cpu.as_secs_f64() * 1e3,
            r.alive.as_secs_f64() * 1e3,
            r.waiting_pct()
        );
    }
    println!(
        "cpu_ms: CPU time the thread used (its own CPU clock); alive_ms: from its start to its\n\
         end; waiting_pct: the share of its life it did not run: waiting for a key, for a\n\
         change, for the autosave timer, or for the document's lock. least_waiting_pct: the\n\
         thread that waited least still waited {:.1}% of its life; that idle time is what\n\
         lets one process keep four threads at hand.",
        e.least_waiting_pct()
    );
    let first = e.reports[0].text_at;
    let same = e.reports.iter().all(|r| r.text_at == first);
    println!(
        "every thread found the document's text at address {first:#x}: {same} (one copy in the\n\
         process's memory, not four)."
    );
    println!(
        "the document: {:?}, {} bytes; the last autosave holds the same (autosave_equal): {}",
        e.text,
        e.text.len(),
        e.autosave_equal()
    );
}

/// The one line that says what ideal_s is here.
pub fn print_ideal(key: Duration) {
    let keys = SENTENCE.chars().count();
    println!(
        "ideal_s = {:.3} s: the run's only deliberate waits, the typist's {keys} pauses of {} ms \
         (part one waits for nothing; the autosave timer runs beside the typing).",
        ideal_s(key),
        key.as_millis()
    );
}

fn ideal_s(key: Duration) -> f64 {
    key.as_secs_f64() * SENTENCE.chars().count() as f64
}

impl Editor {
    pub fn least_waiting_pct(&self) -> f64 {
        self.reports
            .iter()
            .map(|r| r.waiting_pct())
            .fold(100.0, f64::min)
    }
    pub fn autosave_equal(&self) -> bool {
        self.saved == self.text
    }
}

/// What the run measured, printed last as the `summary:` line.
pub struct Summary {
    pub pid: u32,
    /// The kernel's thread count before, while the started threads live, and after join.
    pub before: usize,
    pub during: usize,
    pub after: usize,
    pub started: u32,
    pub editor: Editor,
    /// The typist's pause before each key.
    pub key: Duration,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.editor;
        let count = |k: usize| e.reports[k].count.to_string();
        let ideal_s = ideal_s(self.key);
        write_summary(
            f,
            &[
                ("pid", self.pid.to_string()),
                ("threads_before", self.before.to_string()),
                ("threads_during", self.during.to_string()),
                ("threads_after", self.after.to_string()),
                ("started", self.started.to_string()),
                ("editor_threads", e.threads_during.to_string()),
                ("typed", count(0)),
                ("redrew", count(1)),
                ("saved", count(2)),
                ("misspelt", count(3)),
                ("least_waiting_pct", format!("{:.1}", e.least_waiting_pct())),
                ("autosave_equal", e.autosave_equal().to_string()),
                ("ideal_s", format!("{ideal_s:.3}")),
            ],
        )
    }
}
