//! `--trace FILE`: the run drawn as tracks. Part one is one track, the main thread's three
//! reads. Each echo server is a group: its ONE server thread (the blocking server's
//! "serves client #n" one after another; the non-blocking server's wake-ups), a counter of
//! the clients it is serving at once, and one track per client with what that client did:
//! connect, wait for the server, think, get the echo. The client moments are measured in
//! the client process (from its ready line, which is also the server's clock's zero) and
//! sent back on its report; a large run draws its first [`DRAWN_CLIENTS`] clients.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::report::{PartOne, Summary};
use crate::trace::Trace;
use crate::trial::{Kind, ServerRun};

/// How many clients get a track of their own; the counts and counters cover them all.
pub const DRAWN_CLIENTS: usize = 100;

/// Part one: the non-blocking read, the blocking one, and poll() then read.
pub fn part_one(trace: &Trace, one: &PartOne, read_timeout: Duration) {
    let main = trace.track(
        trace.group("part one: read a socket with no data"),
        "main thread",
    );
    let [t1, t2, t3] = one.started;
    let ms = read_timeout.as_millis();
    let steps = [
        (
            "read",
            "non-blocking read: WouldBlock at once",
            t1,
            one.wouldblock,
        ),
        (
            "blocked in read",
            &*format!("blocking read: asleep until the {ms} ms timeout"),
            t2,
            one.blocking_wait,
        ),
        (
            "waits in poll",
            "poll() until readable, then read",
            t3,
            one.ready_after,
        ),
    ];
    for (kind, name, from, took) in steps {
        trace.slice(main, kind, name, from, from + took);
    }
}

/// One echo server's run: its thread, its counter, its clients.
pub fn server(trace: &Trace, kind: Kind, delay: Duration, run: &ServerRun) {
    let group = trace.group(match kind {
        Kind::Blocking => "blocking server: ONE thread, one client at a time",
        Kind::Nonblocking => "non-blocking server: ONE thread, every client at once",
    });
    let thread = trace.track(group, "the server's one thread");
    let at = |d: Duration| -> Instant { run.start + d };
    let m = &run.moments;

    // The level that is the lesson: how many clients the one thread serves at once.
    let mut edges: Vec<(Duration, i32)> = m.greeted.iter().map(|&(_, t)| (t, 1)).collect();
    edges.extend(m.served.iter().map(|&(_, t)| (t, -1)));
    edges.sort_by_key(|&(t, step)| (t, step));
    let (mut now, name) = (0, "clients being served");
    trace.counter(group, name, run.start, 0.0);
    for (t, step) in edges {
        now += step;
        trace.counter(group, name, at(t), f64::from(now));
    }

    match kind {
        Kind::Blocking => {
            for &(id, from) in &m.greeted {
                if let Some(&(_, to)) = m.served.iter().find(|(served, _)| *served == id) {
                    let name = format!("serves client #{id}");
                    trace.slice(thread, "serves one client", &name, at(from), at(to));
                }
            }
        }
        Kind::Nonblocking => {
            for (n, &(t, ready)) in m.wakeups.iter().enumerate() {
                let name = format!("wake-up #{}: {ready} socket(s) ready", n + 1);
                trace.instant(thread, &name, at(t));
            }
            if m.wakeups.len() < run.wakeups as usize {
                trace.note(&format!(
                    "the non-blocking server woke {} times; the first {} are drawn",
                    run.wakeups,
                    m.wakeups.len()
                ));
            }
        }
    }

    let think = delay.as_millis();
    for c in &run.client_times {
        let track = trace.track(group, &format!("client #{}", c.client + 1));
        let thinks = format!("thinks {think} ms");
        let steps = [
            ("connect", "connect", c.connect, c.connected),
            (
                "waits for the server",
                "waits for ready",
                c.connected,
                c.greeted,
            ),
            ("thinks", &*thinks, c.greeted, c.sent),
            ("echo", "sends, gets the echo", c.sent, c.echoed),
        ];
        for (kind, name, from, to) in steps {
            trace.slice(track, kind, name, at(from), at(to));
        }
    }
}

/// Draws both servers' runs, writes the file and says so (one line before the summary).
pub fn write(trace: &Trace, summary: &Summary, path: &Path) -> anyhow::Result<()> {
    let runs = [
        (Kind::Blocking, summary.blocking.as_ref()),
        (Kind::Nonblocking, summary.nonblocking.as_ref()),
    ];
    for (kind, run) in runs {
        if let Some(run) = run {
            server(trace, kind, summary.setup.delay, run);
        }
    }
    let clients = summary.setup.clients;
    if clients > DRAWN_CLIENTS {
        let sample = format!(
            "{clients} clients per server: the first {DRAWN_CLIENTS} have a track each; the \
             counter \"clients being served\" counts them all"
        );
        trace.note(&sample);
        println!("trace: {sample}");
    }
    trace.write(path).with_context(|| {
        format!(
            "cannot write the trace to {}; check that its folder exists",
            path.display()
        )
    })?;
    println!(
        "trace written to {} (open it in ui.perfetto.dev or vizviewer)",
        path.display()
    );
    Ok(())
}
