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

/// What each style did, checked against the notes' two programs, and what its consumer
/// costs: one row a style, each column named as its summary key is.
pub fn print_table(runs: &[StyleRun], n: u32, timed: u32) {
    println!("(the `  # ` lines are this demo's narration; the notes' programs do not print them)");
    println!(
        "  {:<31} {:>10} {:>16} {:>15} {:>14} {:>12} {:>16}",
        "style",
        "exchanges",
        "dialogues_equal",
        "closed_cleanly",
        "two_way_equal",
        "paused size",
        "ns_per_exchange"
    );
    for run in runs {
        let ns = if timed == 0 {
            "not timed".to_string()
        } else {
            format!("{:.1} ns", run.ns_per_exchange)
        };
        println!(
            "  {:<31} {:>10} {:>16} {:>15} {:>14} {:>10} B {:>16}",
            run.style.title(),
            run.exchanges,
            run.dialogue_equal,
            run.closed_cleanly,
            run.two_way_equal,
            consumer_bytes(run.style),
            ns
        );
    }
    println!(
        "exchanges: of the producer's n = {n} messages, those the consumer answered (the \
         summary's: the fewest of any style). dialogues_equal: its producer/consumer lines are exactly the notes'. \
         closed_cleanly: after close() the consumer said its loop ended, and has nothing left to \
         run. two_way_equal: its two-way lines are exactly the notes' six"
    );
    println!(
        "paused size: the bytes a paused consumer keeps (its state machine). ns_per_exchange: \
         one send() in and its reply out, the fastest of 5 rounds of {} (summary: \
         ns_per_exchange_state_machine, ns_per_exchange_async)",
        timed.div_ceil(5)
    );
    println!(
        "ideal_s = 0.000: nothing here waits on purpose; the generators are resumed by hand, on \
         this thread"
    );
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
        let exchanges = self.runs.iter().map(|r| r.exchanges).min().unwrap_or(0);
        let ns = |style| self.of(style).map_or(0.0, |r| r.ns_per_exchange);
        let all = |check: fn(&StyleRun) -> bool| self.runs.iter().all(check);
        write_summary(
            f,
            &[
                ("n", self.n.to_string()),
                ("exchanges", exchanges.to_string()),
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
