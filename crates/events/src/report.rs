//! The harness: the tables, the trace, and the closing summary line.

use std::fmt;
use std::time::Duration;

use tokio::time::Instant;

use crate::output::write_summary;
use crate::trace::{Group, Trace, Track};

/// Part 1: when the event was signalled, and when each waiter ran after it.
pub struct Released {
    pub waiters: u32,
    pub signalled: Instant,
    pub woke: Vec<Instant>,
}

impl Released {
    /// How long after the signal each waiter ran, sorted.
    fn latencies(&self) -> Vec<Duration> {
        let mut l: Vec<Duration> = self.woke.iter().map(|w| *w - self.signalled).collect();
        l.sort();
        l
    }
}

/// Part 2: how many latecomers woke, of each kind.
#[derive(Default)]
pub struct Late {
    pub edge: u32,
    pub permit: u32,
    pub level: u32,
}

/// Part 3: the watch channel's values, sent and seen.
pub struct Latest {
    pub sent: u64,
    pub seen: u64,
    pub last: u64,
    pub sent_in: Duration,
}

/// Part 4: each party's arrival, release, and whether it was the leader.
pub struct Met {
    pub each: Vec<(Instant, Instant, bool)>,
}

impl Met {
    fn spread(&self, pick: fn(&(Instant, Instant, bool)) -> Instant) -> Duration {
        let times: Vec<Instant> = self.each.iter().map(pick).collect();
        match (times.iter().min(), times.iter().max()) {
            (Some(a), Some(b)) => *b - *a,
            _ => Duration::ZERO,
        }
    }
    fn leaders(&self) -> usize {
        self.each.iter().filter(|e| e.2).count()
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub fn released_header(n: u32) {
    println!(
        "1. one event, {n} waiters (asyncio.Event.wait()): {n} tasks wait on one Notify; \
         one notify_waiters() wakes them"
    );
}

pub fn released(r: &Released) {
    let l = r.latencies();
    let at = |q: f64| {
        l.get(((l.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or_default()
    };
    println!(
        "   released: {} of {}; each ran this long after the signal: first {:.3} ms, median \
         {:.3} ms, last {:.3} ms\n   (one thread runs them one after another: the last one \
         waits for all the others)\n",
        r.woke.len(),
        r.waiters,
        ms(at(0.0)),
        ms(at(0.5)),
        ms(at(1.0))
    );
}

pub fn late_header(late: u32, wait: Duration) {
    println!(
        "2. the lost wake-up: the event is signalled first, then {late} tasks come to wait for \
         it, each up to {} ms",
        wait.as_millis()
    );
}

pub fn late(l: &Late, late: u32) {
    println!(
        "   {:<42} {:<10} kind",
        "signalled before anyone waited, with", "woke"
    );
    let rows = [
        (
            "Notify::notify_waiters()",
            l.edge,
            "an edge: only those already waiting (asyncio: Condition.notify_all)",
        ),
        (
            "Notify::notify_one()",
            l.permit,
            "a stored permit, for one (the rest miss it)",
        ),
        (
            "watch::Sender::send(true), wait_for(true)",
            l.level,
            "a level: it stays set (asyncio: Event.set)",
        ),
    ];
    for (way, woke, kind) in rows {
        println!("   {way:<42} {:<10} {kind}", format!("{woke} of {late}"));
    }
    println!();
}

pub fn latest_header(updates: u64) {
    println!(
        "3. the latest value (watch): {updates} values sent as fast as possible, to a reader \
         that takes 1 ms per value"
    );
}

pub fn latest(l: &Latest) {
    println!(
        "   sent {} in {:.2} ms; the reader saw {} of them, and the last one it saw was {} \
         (the last sent: {})\n   (a watch holds one value: a send overwrites it; what the \
         reader did not look at in time is gone)\n",
        l.sent,
        ms(l.sent_in),
        l.seen,
        l.last,
        l.sent
    );
}

pub fn met_header(parties: u32, stagger: Duration) {
    println!(
        "4. a barrier of {parties} (asyncio.Barrier): party i arrives i x {} ms after the first",
        stagger.as_millis()
    );
}

pub fn met(m: &Met) {
    println!(
        "   arrivals spread over {:.1} ms; releases over {:.3} ms: all at once, when the last \
         arrived; leaders: {}\n",
        ms(m.spread(|e| e.0)),
        ms(m.spread(|e| e.1)),
        m.leaders()
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

/// The trace: a row per part, at most `DRAWN` tasks drawn in each.
pub struct Tr {
    trace: Trace,
    groups: [Group; 4],
    waiters: Vec<Track>,
    late: Vec<Track>,
    reader: Track,
    parties: Vec<Track>,
}

const DRAWN: u32 = 20;

impl Tr {
    /// A trace for `counts`: the waiters, latecomers and parties of the run.
    pub fn new(on: bool, counts: [u32; 3]) -> Self {
        let trace = if on {
            Trace::new(std::time::Instant::now())
        } else {
            Trace::off()
        };
        let names = [
            "one event, many waiters",
            "latecomers",
            "the latest value",
            "a barrier",
        ];
        let groups = names.map(|n| trace.group(n));
        let tracks = |group: Group, word: &str, n: u32, most: u32| -> Vec<Track> {
            (1..=n.min(most))
                .map(|i| trace.track(group, &format!("{word} {i}")))
                .collect()
        };
        let waiters = tracks(groups[0], "waiter", counts[0], DRAWN);
        let late = tracks(groups[1], "latecomer", counts[1], 5);
        let reader = trace.track(groups[2], "reader");
        let parties = tracks(groups[3], "party", counts[2], DRAWN);
        if counts[0] > DRAWN || counts[1] > 5 || counts[2] > DRAWN {
            trace.note(&format!(
                "only the first {DRAWN} waiters and parties, and 5 latecomers, are drawn"
            ));
        }
        Tr {
            trace,
            groups,
            waiters,
            late,
            reader,
            parties,
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

    pub fn waited(&self, i: u32, since: Instant, woke: Instant) {
        if let Some(track) = self.waiters.get(i as usize) {
            self.trace.slice(
                *track,
                "waits",
                "waits for the event",
                since.into(),
                woke.into(),
            );
            self.trace.instant(*track, "released", woke.into());
        }
    }

    pub fn latecomer(&self, i: u32, since: Instant, woke: (bool, bool, bool)) {
        if let (true, Some(track)) = (self.trace.is_on(), self.late.get(i as usize)) {
            let now = std::time::Instant::now();
            let words = |w: bool| if w { "woke" } else { "missed" };
            let name = format!(
                "notify_waiters: {}, notify_one: {}, watch: {}",
                words(woke.0),
                words(woke.1),
                words(woke.2)
            );
            self.trace.slice(*track, "waits", &name, since.into(), now);
        }
    }

    pub fn seen(&self, value: u64) {
        if self.trace.is_on() {
            let now = std::time::Instant::now();
            self.trace
                .instant(self.reader, &format!("sees {value}"), now);
            self.trace
                .counter(self.groups[2], "value seen", now, value as f64);
        }
    }

    pub fn party(&self, i: u32, start: Instant, arrived: Instant, released: Instant) {
        if let (true, Some(&track)) = (self.trace.is_on(), self.parties.get(i as usize)) {
            self.trace
                .slice(track, "works", "on its way", start.into(), arrived.into());
            let (from, to) = (arrived.into(), released.into());
            self.trace
                .slice(track, "waits", "waits at the barrier", from, to);
        }
    }
}

/// The figures this run measured, printed as the closing `summary:` line.
pub struct Summary {
    pub released: Released,
    pub late: Late,
    pub latest: Latest,
    pub met: Met,
    pub threads: usize,
    pub wait: Duration,
    pub stagger: Duration,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (r, l, w, m) = (&self.released, &self.late, &self.latest, &self.met);
        let last = r.latencies().last().copied().unwrap_or_default();
        let parties = m.each.len() as u32;
        let ideal = Duration::from_millis(20) + self.wait + self.stagger * (parties - 1);
        write_summary(
            f,
            &[
                ("waiters", r.waiters.to_string()),
                ("released", r.woke.len().to_string()),
                ("release_ms", format!("{:.3}", ms(last))),
                ("edge_woke", l.edge.to_string()),
                ("permit_woke", l.permit.to_string()),
                ("level_woke", l.level.to_string()),
                ("sent", w.sent.to_string()),
                ("seen", w.seen.to_string()),
                (
                    "latest_ok",
                    if w.last == w.sent { "yes" } else { "no" }.into(),
                ),
                ("parties", parties.to_string()),
                ("arrive_spread_ms", format!("{:.1}", ms(m.spread(|e| e.0)))),
                ("release_spread_ms", format!("{:.3}", ms(m.spread(|e| e.1)))),
                ("leaders", m.leaders().to_string()),
                ("threads", self.threads.to_string()),
                ("ideal_s", format!("{:.3}", ideal.as_secs_f64())),
            ],
        )
    }
}
