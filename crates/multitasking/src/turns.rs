//! `--trace FILE`: who had a core (part one) or the thread (part two), and when. A busy
//! thread cannot see the OS take its core away, but it can see the gap: it reads the clock
//! after every unit of work (tens of microseconds), and a gap of over a millisecond means
//! it was off the core meanwhile; a turn is a run of units with no such gap. A task's turn
//! is a poll: from its start to the `.await` that hands the thread back. Nothing is
//! recorded without `--trace`, so the figures of the run are the same.

use std::time::{Duration, Instant};

use crate::report::Ticks;
use crate::trace::{Group, Trace};

/// Gaps longer than this between two units of work mean the thread was off its core.
const OFF_CORE: Duration = Duration::from_millis(1);

/// One thread's or task's turns, as (from, to).
#[derive(Default)]
pub struct Turns {
    on: bool,
    began: Option<Instant>,
    last: Option<Instant>,
    pub list: Vec<(Instant, Instant)>,
}

impl Turns {
    pub fn new(on: bool) -> Turns {
        Turns {
            on,
            ..Turns::default()
        }
    }

    /// A unit of work just ended (a busy thread): a long gap since the last one closes a turn.
    pub fn unit_done(&mut self) {
        if !self.on {
            return;
        }
        let now = Instant::now();
        match self.last {
            Some(last) if now - last > OFF_CORE => {
                self.list.push((self.began.unwrap_or(last), last));
                self.began = Some(now);
            }
            None => self.began = Some(now),
            _ => {}
        }
        self.last = Some(now);
    }

    /// A task is polled: its turn on the thread begins.
    pub fn begin(&mut self) {
        if self.on {
            self.began = Some(Instant::now());
        }
    }

    /// The task hands the thread back: its turn ends.
    pub fn end(&mut self) {
        if let (true, Some(began)) = (self.on, self.began.take()) {
            self.list.push((began, Instant::now()));
        }
    }

    /// The busy thread stops: its last turn ends at its last unit of work.
    pub fn finish(mut self) -> Turns {
        if let (Some(began), Some(last)) = (self.began.take(), self.last) {
            self.list.push((began, last));
        }
        self
    }
}

/// Part one's busy threads, their turns on a core as slices.
pub fn record_threads(trace: &Trace, cores: usize, turns: &[Turns]) {
    if !trace.is_on() {
        return;
    }
    let n = turns.len();
    let group = trace.group(&format!(
        "part 1: {n} busy threads on {cores} core(s), preempted by the OS"
    ));
    for (i, t) in turns.iter().enumerate().take(100) {
        let track = trace.track(group, &format!("busy-{i} (thread)"));
        for (k, (from, to)) in t.list.iter().enumerate() {
            let name = format!("busy-{i}: turn {} on a core", k + 1);
            trace.slice(track, "on a core", &name, *from, *to);
        }
    }
    if n > 100 {
        trace.note(&format!(
            "part 1: only the first 100 of {n} busy threads are drawn"
        ));
    }
}

/// Part two, one run: the ticker's sleeps and waits, the spinner's turns on the thread. The
/// spinner's polls are merged into one slice until the ticker ran in between.
pub fn record_ticker(trace: &Trace, title: &str, tick_ms: u128, ticks: &Ticks, spinner: &Turns) {
    if !trace.is_on() {
        return;
    }
    let group: Group = trace.group(title);
    let ticker = trace.track(group, "ticker task");
    let spin = trace.track(group, "spinner task");
    let at = |ms: f64| ticks.start + Duration::from_secs_f64(ms.max(0.0) / 1e3);
    let mut ran = ticks.start;
    let mut fired_at = Vec::new();
    for (k, (due, fired)) in ticks.due_fired_ms.iter().enumerate() {
        let (due, fired) = (at(*due), at(*fired));
        let name = format!("tick {}: sleeps until due ({tick_ms} ms)", k + 1);
        trace.slice(ticker, "sleep", &name, ran, due);
        let late = fired.saturating_duration_since(due).as_secs_f64() * 1e3;
        let name = format!("tick {}: due, waits {late:.1} ms for the thread", k + 1);
        // A tick due while the one before still waited starts waiting when that one ran.
        trace.slice(ticker, "waits for the thread", &name, due.max(ran), fired);
        trace.instant(ticker, &format!("tick {} runs", k + 1), fired);
        fired_at.push(fired);
        ran = fired;
    }
    // Merge the spinner's polls into runs that no tick interrupted.
    let mut runs: Vec<(Instant, Instant, usize)> = Vec::new();
    for &(from, to) in &spinner.list {
        match runs.last_mut() {
            Some(run) if !fired_at.iter().any(|f| *f >= run.1 && *f <= from) => {
                run.1 = to;
                run.2 += 1;
            }
            _ => runs.push((from, to, 1)),
        }
    }
    for (from, to, polls) in runs {
        let ms = (to - from).as_secs_f64() * 1e3;
        let name = if polls == 1 {
            format!("spinner: one turn of {ms:.0} ms, never awaits")
        } else {
            format!("spinner: {polls} turns in {ms:.0} ms, yield_now after each")
        };
        trace.slice(spin, "holds the thread", &name, from, to);
    }
}
