//! The harness: what each style did, the checks printed against the notes, the two state
//! machines' sizes and costs, and the closing summary line.

use std::fmt;
use std::hint::black_box;
use std::time::Instant;

use crate::async_block::{self, AsyncGenerator};
use crate::dialogue::Dialogue;
use crate::output::write_summary;
use crate::{Args, Style, make_consumer, notes, state_machine};

/// What one style did, as observed.
pub struct StyleRun {
    pub style: Style,
    pub exchanges: u32,
    pub closed_cleanly: bool,
    /// Its producer/consumer lines are exactly the notes' (narration left out).
    pub dialogue_equal: bool,
    /// Its two-way lines are exactly the notes' six.
    pub two_way_equal: bool,
    pub ns_per_exchange: f64,
}

impl StyleRun {
    /// Holds what was played against the notes' lines, and times its exchanges.
    pub fn check(
        style: Style,
        args: &Args,
        produced: (u32, bool),
        d: &Dialogue,
        two_way: &Dialogue,
    ) -> Self {
        let (exchanges, closed_cleanly) = produced;
        StyleRun {
            style,
            exchanges,
            closed_cleanly: closed_cleanly && exchanges == args.n,
            dialogue_equal: d.lines() == notes::producer_consumer(args.n),
            two_way_equal: two_way.lines() == notes::two_way(),
            ns_per_exchange: time_exchanges(style, args.time_exchanges),
        }
    }
}

impl Style {
    /// The styles `--style` asks for, in the order they run.
    pub fn each(self) -> &'static [Style] {
        match self {
            Style::Both => &[Style::StateMachine, Style::Async],
            Style::StateMachine => &[Style::StateMachine],
            Style::Async => &[Style::Async],
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Style::StateMachine => "(a) hand-written state machine",
            _ => "(b) async block polled by hand",
        }
    }
}

/// What one exchange (resume in, reply out) costs: `count` silent exchanges in five rounds,
/// the fastest round kept, so that a preemption by another process does not count.
fn time_exchanges(style: Style, count: u32) -> f64 {
    const ROUNDS: u32 = 5;
    if count == 0 {
        return 0.0;
    }
    let per_round = count.div_ceil(ROUNDS);
    let silent = Dialogue::new(true);
    let mut best = f64::INFINITY;
    for _ in 0..ROUNDS {
        let mut consumer = make_consumer(style, &silent);
        consumer.resume(None);
        let start = Instant::now();
        for i in 1..=per_round {
            black_box(consumer.resume(black_box(Some(i))));
        }
        best = best.min(start.elapsed().as_secs_f64() * 1e9 / f64::from(per_round));
        consumer.close();
    }
    best
}

/// How many bytes each style keeps for a paused consumer.
fn consumer_bytes(style: Style) -> usize {
    let d = Dialogue::new(true);
    match style {
        Style::StateMachine => size_of::<state_machine::Consumer<'_>>(),
        _ => AsyncGenerator::new(|y| async_block::consumer(y, &d)).state_machine_bytes(),
    }
}

/// What was observed of each style, against the notes' two programs.
pub fn print_checks(runs: &[StyleRun]) {
    for run in runs {
        println!(
            "{}: {} exchanges; prints exactly the notes' producer/consumer lines: {}; \
             closed cleanly: {}; prints exactly the notes' two-way lines: {}",
            run.style.title(),
            run.exchanges,
            run.dialogue_equal,
            run.closed_cleanly,
            run.two_way_equal
        );
    }
    println!("(the `  # ` lines are this demo's narration; the notes' programs do not print them)");
}

/// The two state machines side by side: what a paused consumer keeps, and what one
/// exchange with it costs.
pub fn print_comparison(runs: &[StyleRun], timed: u32) {
    println!("the consumer's two state machines, measured:");
    println!("  {:<32} {:>11}   ns per exchange", "style", "paused size");
    for run in runs {
        let cost = if timed == 0 {
            "not timed".to_string()
        } else {
            format!(
                "{:.1} (best of 5 x {})",
                run.ns_per_exchange,
                timed.div_ceil(5)
            )
        };
        println!(
            "  {:<32} {:>9} B   {}",
            run.style.title(),
            consumer_bytes(run.style),
            cost
        );
    }
}

/// The figures this run measured, printed as the closing `summary:` line.
pub struct Summary<'r> {
    n: u32,
    runs: &'r [StyleRun],
}

impl<'r> Summary<'r> {
    pub fn new(n: u32, runs: &'r [StyleRun]) -> Self {
        Summary { n, runs }
    }

    fn of(&self, style: Style) -> Option<&StyleRun> {
        self.runs.iter().find(|r| r.style == style)
    }
}

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exchanges = |style| self.of(style).map_or(0, |r| r.exchanges);
        let ns = |style| self.of(style).map_or(0.0, |r| r.ns_per_exchange);
        let all = |check: fn(&StyleRun) -> bool| self.runs.iter().all(check);
        write_summary(
            f,
            &[
                ("n", self.n.to_string()),
                (
                    "exchanges_state_machine",
                    exchanges(Style::StateMachine).to_string(),
                ),
                ("exchanges_async", exchanges(Style::Async).to_string()),
                ("dialogues_equal", all(|r| r.dialogue_equal).to_string()),
                ("closed_cleanly", all(|r| r.closed_cleanly).to_string()),
                ("two_way_equal", all(|r| r.two_way_equal).to_string()),
                (
                    "ns_per_exchange_state_machine",
                    format!("{:.1}", ns(Style::StateMachine)),
                ),
                ("ns_per_exchange_async", format!("{:.1}", ns(Style::Async))),
                ("ideal_s", "0.000".to_string()),
            ],
        )
    }
}
