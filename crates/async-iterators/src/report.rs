//! The harness: the tables, the trace, and the closing summary line.

use std::fmt;
use std::time::Duration;

use tokio::time::Instant;

use crate::output::write_summary;
use crate::trace::{Group, Trace, Track};

/// Part 1: each producer's steps before the first poll and after it
/// (hand-written, unfold, spawned channel producer).
pub struct Lazy {
    pub before: [u64; 3],
    pub after: [u64; 3],
}

/// Part 2: one producer, pulled by the slow consumer.
pub struct Pull {
    pub consumed: u64,
    pub most_ahead: u64,
    pub producer_done: Duration,
    pub took: Duration,
}

/// Part 3: (took, most in flight, jobs done), sequential and buffer_unordered.
pub struct Flow {
    pub seq: (Duration, u64, u64),
    pub unordered: (Duration, u64, u64),
}

/// Part 4: the explicit close against the Drop that spawns; `lost`: spawned, ran.
pub struct Closing {
    pub close_awaited: u64,
    pub drop_spawned: u64,
    pub drop_done_at_exit: u64,
    pub drop_done_later: u64,
    pub lost: [u64; 2],
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

const WAYS: [&str; 3] = [
    "hand-written impl Stream",
    "stream::unfold (an async generator)",
    "spawned producer -> mpsc -> unfold",
];

pub fn lazy_header(buffer: u64) {
    println!(
        "1. lazy until polled: three streams of 100 items are made, the runtime gets a turn, \
         then one .next().await\n   (a step = one item the producer made; the channel's \
         buffer is {buffer})"
    );
}

pub fn lazy(l: &Lazy) {
    println!(
        "   {:<38} {:>19} {:>18}",
        "stream", "steps before poll", "after first poll"
    );
    for (i, way) in WAYS.iter().enumerate() {
        println!("   {way:<38} {:>19} {:>18}", l.before[i], l.after[i]);
    }
    println!(
        "   (a Stream is like an async generator: its body runs only when pulled; a spawned \
         task runs at once, like asyncio.create_task, until the buffer is full)\n"
    );
}

pub fn pull_header(items: u64, buffer: u64) {
    println!(
        "2. backpressure: {items} items to a consumer that takes 1 ms each (ahead = produced \
         but not yet consumed;\n   producer done = when the producer made its last item; \
         the bounded channel holds {buffer})"
    );
}

const PULLS: [&str; 3] = [
    "pulled stream (unfold)",
    "bounded channel (mpsc, buffer)",
    "unbounded channel",
];

pub fn pull(p: &[Pull; 3], buffer: u64) {
    println!(
        "   {:<32} {:>9} {:>12} {:>17} {:>10}",
        "producer", "consumed", "most ahead", "producer done", "took"
    );
    for (way, p) in PULLS.iter().zip(p) {
        println!(
            "   {way:<32} {:>9} {:>12} {:>14.1} ms {:>7.1} ms",
            p.consumed,
            p.most_ahead,
            ms(p.producer_done),
            ms(p.took)
        );
    }
    println!(
        "   (pulled: made only when asked, 0 ahead; bounded: at most {buffer} ahead, the slow \
         consumer sets the pace;\n   unbounded: the producer never waits, finishes at once, \
         and the items pile up in memory)\n"
    );
}

pub fn flow_header(jobs: u64, job: Duration, n: u64) {
    println!(
        "3. {jobs} jobs of {} ms each, from a stream: .then (one .next().await at a time) \
         against .buffer_unordered({n})\n   (in flight = jobs started and not yet done, at \
         most, counted)",
        job.as_millis()
    );
}

pub fn flow(f: &Flow) {
    println!(
        "   {:<34} {:>6} {:>11} {:>10}",
        "way", "done", "in flight", "took"
    );
    for (way, (took, most, done)) in [
        ("sequential .then", f.seq),
        ("buffer_unordered", f.unordered),
    ] {
        println!("   {way:<34} {done:>6} {most:>11} {:>7.1} ms", ms(took));
    }
    println!(
        "   (buffer_unordered polls its futures inside ONE task: concurrency without a \
         spawn; speedup {:.1}x)\n",
        speedup(f)
    );
}

fn speedup(f: &Flow) -> f64 {
    ms(f.seq.0) / ms(f.unordered.0).max(1e-3)
}

pub fn closing_header() {
    println!(
        "4. no async Drop: `async with`'s exit, in Rust (a close = a 5 ms flush that must \
         await)"
    );
}

pub fn closing(c: &Closing) {
    println!(
        "   {:<44} {:>8} {:>9}",
        "how the connection ends", "closes", "done"
    );
    let rows = [
        (
            "explicit close().await: done at scope end",
            1,
            c.close_awaited,
        ),
        (
            "Drop spawns the close: done at scope end",
            c.drop_spawned,
            c.drop_done_at_exit,
        ),
        ("  ... and 20 ms later", c.drop_spawned, c.drop_done_later),
        (
            "Drop spawns, then the runtime ends: done",
            c.lost[0],
            c.lost[1],
        ),
    ];
    for (way, closes, done) in rows {
        println!("   {way:<44} {closes:>8} {done:>9}");
    }
    println!(
        "   (a Drop cannot .await: it does sync work or spawns, and a spawned close runs \
         later, or never; so the close is written as close().await)\n"
    );
}

/// The OS threads of this process (Linux: /proc/self/status; 0 elsewhere).
pub fn os_threads() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Threads:")?.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The trace: the producers and their items ahead, the jobs, the closes.
pub struct Tr {
    trace: Trace,
    pulls: Group,
    producers: [Track; 3],
    sequential: Track,
    slots: Vec<Track>,
    closes: [Track; 2],
}

const DRAWN: u64 = 16;

impl Tr {
    /// A trace with a track for each of the first `DRAWN` of `jobs` jobs.
    pub fn new(on: bool, jobs: u64) -> Self {
        let trace = if on {
            Trace::new(std::time::Instant::now())
        } else {
            Trace::off()
        };
        let pulls = trace.group("backpressure");
        let producers = PULLS.map(|p| trace.track(pulls, p));
        let job_group = trace.group("jobs");
        let sequential = trace.track(job_group, "sequential .then");
        let slots = (1..=jobs.min(DRAWN))
            .map(|i| trace.track(job_group, &format!("buffer_unordered job {i}")))
            .collect();
        if jobs > DRAWN {
            trace.note(&format!(
                "only the first {DRAWN} buffer_unordered jobs are drawn"
            ));
        }
        let group = trace.group("closing");
        let closes = ["close().await", "Drop spawns"].map(|c| trace.track(group, c));
        Tr {
            trace,
            pulls,
            producers,
            sequential,
            slots,
            closes,
        }
    }

    pub fn write(&self, path: &std::path::Path) -> anyhow::Result<()> {
        use anyhow::Context;
        self.trace.write(path).with_context(|| {
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

    pub fn ahead(&self, way: usize, ahead: u64) {
        if self.trace.is_on() {
            let name = ["ahead: pulled", "ahead: bounded", "ahead: unbounded"][way];
            let now = std::time::Instant::now();
            self.trace.counter(self.pulls, name, now, ahead as f64);
        }
    }

    pub fn producer(&self, way: usize, from: Instant, to: Instant) {
        let name = format!("{}: producing", PULLS[way]);
        self.trace.slice(
            self.producers[way],
            "produces",
            &name,
            from.into(),
            to.into(),
        );
    }

    pub fn job(&self, way: usize, i: u64, from: Instant, to: Instant) {
        let track = match way {
            0 => Some(&self.sequential),
            _ => self.slots.get(i as usize),
        };
        if let Some(track) = track {
            let name = format!("job {}", i + 1);
            self.trace
                .slice(*track, "waits", &name, from.into(), to.into());
        }
    }

    pub fn close(&self, way: usize, from: Instant, to: Instant) {
        let name = [
            "close().await: done at scope end",
            "Drop: spawned, done later",
        ][way];
        self.trace
            .slice(self.closes[way], "closes", name, from.into(), to.into());
    }
}

/// The figures this run measured, printed as the closing `summary:` line.
pub struct Summary {
    pub lazy: Lazy,
    pub pull: [Pull; 3],
    pub flow: Flow,
    pub closing: Closing,
    pub threads: usize,
    pub job: Duration,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (l, p, w, c) = (&self.lazy, &self.pull, &self.flow, &self.closing);
        // The least the run could take: each consumer's 1 ms per item, the jobs at their
        // best (sequential, then in flight), and the closes' waits.
        let items = p[0].consumed as u32;
        let n = w.unordered.1.max(1) as u32;
        let jobs = w.seq.2 as u32;
        let ideal = Duration::from_millis(3 * u64::from(items))
            + self.job * jobs
            + self.job * jobs.div_ceil(n)
            + Duration::from_millis(25);
        write_summary(
            f,
            &[
                ("hand_before", l.before[0].to_string()),
                ("unfold_before", l.before[1].to_string()),
                ("channel_before", l.before[2].to_string()),
                ("hand_after", l.after[0].to_string()),
                ("pulled_ahead", p[0].most_ahead.to_string()),
                ("bounded_ahead", p[1].most_ahead.to_string()),
                ("unbounded_ahead", p[2].most_ahead.to_string()),
                (
                    "bounded_producer_ms",
                    format!("{:.0}", ms(p[1].producer_done)),
                ),
                (
                    "unbounded_producer_ms",
                    format!("{:.0}", ms(p[2].producer_done)),
                ),
                ("seq_ms", format!("{:.0}", ms(w.seq.0))),
                ("unordered_ms", format!("{:.0}", ms(w.unordered.0))),
                ("in_flight", w.unordered.1.to_string()),
                ("speedup", format!("{:.1}", speedup(w))),
                ("close_awaited", c.close_awaited.to_string()),
                ("drop_done_at_exit", c.drop_done_at_exit.to_string()),
                ("drop_lost", (c.lost[0] - c.lost[1]).to_string()),
                ("threads", self.threads.to_string()),
                ("ideal_s", format!("{:.3}", ideal.as_secs_f64())),
            ],
        )
    }
}
