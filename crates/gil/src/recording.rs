//! `--trace`: each run of the table becomes a group of the trace, each of its threads a
//! track, and each span a thread reported (a turn holding the GIL, a stretch of work with
//! no lock, a call into native code, an I/O wait) a slice. The spans are the ones the
//! terminal's timelines are drawn from, recorded while the run went on; turning them into
//! a trace happens after each run, so `--trace` changes no figure.

use crate::report::{CpuFigures, IoFigures};
use std::time::Duration;

use crate::threads::{Run, Span};
use crate::trace::Trace;

/// The most threads of one run drawn as tracks; a larger run records these and says so.
const MOST_TRACKS: usize = 100;

/// The five CPU runs: who ran bytecode when, with no lock, with the GIL, in native code,
/// and in processes that each hold a GIL of their own.
pub fn record_cpu(trace: &Trace, n: usize, cpu: &CpuFigures) {
    let runs = [
        (
            "CPU: 1 thread".to_string(),
            &cpu.one,
            "runs bytecode, no lock",
        ),
        (
            format!("CPU: {n} threads, no lock"),
            &cpu.no_lock,
            "runs bytecode, no lock",
        ),
        (
            format!("CPU: {n} threads, emulated GIL"),
            &cpu.with_gil,
            "holds the GIL",
        ),
        (
            format!("CPU: {n} threads, native code, GIL off"),
            &cpu.native,
            "native code, GIL off",
        ),
        (
            format!("CPU: {n} processes, a GIL each"),
            &cpu.processes,
            "holds its own GIL",
        ),
    ];
    for (group, run, kind) in runs {
        record_run(trace, &group, run, kind, |k, turn| match kind {
            "holds the GIL" => format!("worker-{k} holds the GIL, turn {turn}"),
            "native code, GIL off" => format!("worker-{k}: its whole loop in native code"),
            "holds its own GIL" => format!("process-{k} holds its own GIL, turn {turn}"),
            _ => format!("worker-{k}: its share of the bytecode, stretch {turn}"),
        });
    }
}

/// The three I/O runs: when each thread waited, and whether it held the GIL meanwhile.
pub fn record_io(trace: &Trace, n: usize, io: &IoFigures) {
    let runs = [
        ("I/O: 1 thread".to_string(), &io.one, "waits, GIL released"),
        (
            format!("I/O: {n} threads, GIL released in I/O"),
            &io.released,
            "waits, GIL released",
        ),
        (
            format!("I/O: {n} threads, GIL held in I/O"),
            &io.held,
            "waits, holding the GIL",
        ),
    ];
    for (group, run, kind) in runs {
        record_run(trace, &group, run, kind, |k, op| {
            if kind == "waits, holding the GIL" {
                format!("worker-{k}: I/O wait {op}, GIL held (everyone waits)")
            } else {
                format!("worker-{k}: I/O wait {op}, GIL released")
            }
        });
    }
}

/// One group for `run`, one track per thread (the first MOST_TRACKS), one slice per span.
fn record_run(
    trace: &Trace,
    group: &str,
    run: &Run,
    kind: &str,
    name: impl Fn(usize, usize) -> String,
) {
    if !trace.is_on() {
        return;
    }
    let group_id = trace.group(group);
    for (k, spans) in run.spans.iter().enumerate().take(MOST_TRACKS) {
        let noun = match kind {
            "holds its own GIL" => "process",
            _ => "worker",
        };
        let track = trace.track(group_id, &format!("{noun}-{k}"));
        // With no lock to hand on, a thread's switch-interval stretches follow each other
        // with no gap: drawn as one stretch of work. Turns of the GIL stay one by one.
        let spans = if kind == "runs bytecode, no lock" {
            back_to_back_merged(spans)
        } else {
            spans.clone()
        };
        for (i, span) in spans.iter().enumerate() {
            let (from, to) = (run.t0 + span.start, run.t0 + span.end);
            trace.slice(track, kind, &name(k, i + 1), from, to);
        }
    }
    if run.spans.len() > MOST_TRACKS {
        let text = format!(
            "{group}: only the first {MOST_TRACKS} of its {} threads are recorded",
            run.spans.len()
        );
        println!("trace: {text}");
        trace.note(&text);
    }
}

/// Spans that begin within 50 us of the previous one's end, joined into one.
fn back_to_back_merged(spans: &[Span]) -> Vec<Span> {
    let mut merged: Vec<Span> = Vec::new();
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end + Duration::from_micros(50) => {
                last.end = last.end.max(span.end);
            }
            _ => merged.push(*span),
        }
    }
    merged
}
