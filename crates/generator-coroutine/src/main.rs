//! Generator coroutines: Python builds coroutines on generators, which pause at `yield` and
//! resume on `send()`, in both directions. Stable Rust has no generators, so this shows the
//! two ways Rust gets the same thing: (a) a state machine written by hand, with a
//! `resume(input) -> output` method, which is what a generator is under the hood; (b) an
//! `async` block that the compiler turns into such a state machine, polled by hand with a
//! no-op waker and a shared slot carrying the values. Both play the notes' producer/consumer
//! dialogue and the two-way generator, through the same `Coroutine` trait.
//!
//! Run: `cargo run --release -p generator-coroutine`, or
//! `cargo run --release -p generator-coroutine -- --n 3 --style async`.
//!
//! Look for: the same dialogue line for line from both styles (Producing n, Consuming n,
//! Consumer return: 200 OK from iter n), the consumer's loop ending when it is closed, the
//! sizes of the two state machines, and what one exchange costs in each.

mod async_block;
mod state_machine;

use std::cell::RefCell;
use std::fmt;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};

use async_block::AsyncGenerator;

/// Generators and send() in Rust: a hand-written state machine and an async block polled by hand.
#[derive(Parser, Debug, Clone, Copy)]
#[command(version, about)]
struct Args {
    /// How many messages the producer sends the consumer.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    n: u32,

    /// Which implementation to run.
    #[arg(long, value_enum, default_value_t = Style::Both)]
    style: Style,

    /// Exchanges to time silently per style (in 5 rounds, the fastest kept), to measure
    /// what one resume costs; 0 skips the timing.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(0..=100_000_000))]
    time_exchanges: u32,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
enum Style {
    StateMachine,
    Async,
    Both,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let styles: &[Style] = match args.style {
        Style::Both => &[Style::StateMachine, Style::Async],
        one => &[one][..],
    };
    let runs: Vec<StyleRun> = styles.iter().map(|&style| run_style(style, args)).collect();
    print_checks(&runs);
    print_comparison(&runs, args.time_exchanges);
    println!("{}", summary(args, &runs));
    ExitCode::SUCCESS
}

// ---------------------------------------------------------------------------------------
// The two styles, side by side: the same generators, built by hand or by the compiler.

fn title(style: Style) -> &'static str {
    match style {
        Style::StateMachine => "(a) hand-written state machine",
        _ => "(b) async block polled by hand",
    }
}

fn make_consumer(style: Style, d: &Dialogue) -> ConsumerBox<'_> {
    match style {
        Style::StateMachine => Box::new(state_machine::Consumer::new(d)),
        _ => Box::new(AsyncGenerator::new(|y| async_block::consumer(y, d))),
    }
}

fn make_two_way(style: Style, d: &Dialogue) -> TwoWayBox<'_> {
    match style {
        Style::StateMachine => Box::new(state_machine::TwoWay::new(d)),
        _ => Box::new(AsyncGenerator::new(|y| async_block::two_way(y, d))),
    }
}

/// How many bytes each style keeps for a paused consumer.
fn consumer_bytes(style: Style) -> usize {
    let d = Dialogue::new(true);
    match style {
        Style::StateMachine => size_of::<state_machine::Consumer<'_>>(),
        _ => AsyncGenerator::new(|y| async_block::consumer(y, &d)).state_machine_bytes(),
    }
}

// ---------------------------------------------------------------------------------------
// What both styles share: the Python generator's interface, and a producer that drives it.

/// What a resume produced: Python's `send()` returns a value or raises StopIteration.
#[derive(Debug, PartialEq, Eq)]
pub enum Step<Y, R> {
    /// Paused at a yield, handing out this value.
    Yielded(Y),
    /// Ran off its end (Python: StopIteration carrying the return value).
    Returned(R),
    /// Already finished or closed: nothing left to run (Python: StopIteration again).
    Closed,
}

/// A generator's two operations: `send(x)` and `close()`.
pub trait Coroutine {
    type Input;
    type Yield;
    type Return;
    fn resume(&mut self, input: Self::Input) -> Step<Self::Yield, Self::Return>;
    fn close(&mut self);
}

/// The consumer's and the two-way generator's interfaces, whichever way they are built.
type DynConsumer<'d> = dyn Coroutine<Input = Option<u32>, Yield = String, Return = u32> + 'd;
type ConsumerBox<'d> = Box<DynConsumer<'d>>;
type TwoWayBox<'d> = Box<dyn Coroutine<Input = Option<i64>, Yield = String, Return = ()> + 'd>;

/// Python's way of printing an optional value, so the dialogue reads like the notes'.
pub fn show(value: Option<i64>) -> String {
    value.map_or_else(|| "None".to_string(), |v| v.to_string())
}

/// Where both sides of a dialogue speak: printed and kept, or (for timing) dropped unformatted.
pub struct Dialogue {
    lines: RefCell<Vec<String>>,
    silent: bool,
}

impl Dialogue {
    pub fn new(silent: bool) -> Self {
        Dialogue {
            lines: RefCell::new(Vec::new()),
            silent,
        }
    }

    pub fn say(&self, line: fmt::Arguments<'_>) {
        if !self.silent {
            let line = line.to_string();
            println!("{line}");
            self.lines.borrow_mut().push(line);
        }
    }

    pub fn last(&self) -> Option<String> {
        self.lines.borrow().last().cloned()
    }
}

/// What one style did, as observed.
struct StyleRun {
    style: Style,
    exchanges: u32,
    closed_cleanly: bool,
    dialogue_equal: bool,
    two_way_equal: bool,
    ns_per_exchange: f64,
}

/// Play both of the notes' scripts with one style, check them, and time its exchanges.
fn run_style(style: Style, args: Args) -> StyleRun {
    println!("== {}: producer and consumer ==", title(style));
    let dialogue = Dialogue::new(false);
    let (exchanges, closed_cleanly) =
        produce(&mut *make_consumer(style, &dialogue), args.n, &dialogue);
    let dialogue_equal = *dialogue.lines.borrow() == expected_dialogue(args.n);

    println!("== {}: two-way generator ==", title(style));
    let two_way = Dialogue::new(false);
    drive_two_way(&mut *make_two_way(style, &two_way), &two_way);
    let two_way_equal = *two_way.lines.borrow() == expected_two_way();
    println!();

    let ns_per_exchange = time_exchanges(style, args.time_exchanges);
    StyleRun {
        style,
        exchanges,
        closed_cleanly,
        dialogue_equal,
        two_way_equal,
        ns_per_exchange,
    }
}

/// The notes' producer: start the consumer, send it 1..=n, read each reply, close it.
/// Returns the number of replies and whether the consumer closed cleanly: it reported the
/// end of its loop after exactly those messages, and has nothing left to run.
fn produce(consumer: &mut DynConsumer<'_>, n: u32, d: &Dialogue) -> (u32, bool) {
    d.say(format_args!("[PRODUCER] Starting the consumer: send(None)"));
    let started = consumer.resume(None) == Step::Yielded(String::new());
    let mut exchanges = 0;
    for i in 1..=n {
        d.say(format_args!("[PRODUCER] Producing {i}"));
        match consumer.resume(Some(i)) {
            Step::Yielded(reply) => {
                d.say(format_args!("[PRODUCER] Consumer return: {reply}"));
                exchanges += 1;
            }
            Step::Returned(_) | Step::Closed => {
                d.say(format_args!("[PRODUCER] The consumer stopped early"));
                break;
            }
        }
    }
    d.say(format_args!("[PRODUCER] Closing the consumer: close()"));
    consumer.close();
    let loop_ended = d.last() == Some(format!("[CONSUMER] Loop ended after {exchanges} messages"));
    let nothing_left = consumer.resume(Some(n + 1)) == Step::Closed;
    (exchanges, started && loop_ended && nothing_left)
}

/// The dialogue the notes' Python program prints (with our start and close lines): the
/// yardstick both styles are held to, line for line.
fn expected_dialogue(n: u32) -> Vec<String> {
    let mut lines = vec!["[PRODUCER] Starting the consumer: send(None)".to_string()];
    for i in 1..=n {
        lines.push(format!("[PRODUCER] Producing {i}"));
        lines.push(format!("[CONSUMER] Consuming {i}"));
        lines.push(format!("[PRODUCER] Consumer return: 200 OK from iter {i}"));
    }
    lines.push("[PRODUCER] Closing the consumer: close()".to_string());
    lines.push(format!("[CONSUMER] Loop ended after {n} messages"));
    lines
}

/// The notes' two-way exchange: send None, 10, 20 and print what comes back; one send more
/// runs the generator off its end.
fn drive_two_way(
    generator: &mut dyn Coroutine<Input = Option<i64>, Yield = String, Return = ()>,
    d: &Dialogue,
) {
    for input in [None, Some(10), Some(20), Some(30)] {
        let sent = format!("send({})", show(input));
        match generator.resume(input) {
            Step::Yielded(value) => d.say(format_args!("{sent:<10} -> {value:?}")),
            Step::Returned(()) => d.say(format_args!("{sent:<10} -> returned (StopIteration)")),
            Step::Closed => d.say(format_args!("{sent:<10} -> already finished")),
        }
    }
}

fn expected_two_way() -> Vec<String> {
    [
        "  [GENERATOR] started",
        "send(None) -> \"Ready\"",
        "  [GENERATOR] received 10",
        "send(10)   -> \"Got 10\"",
        "  [GENERATOR] received 20",
        "send(20)   -> \"Final: 20\"",
        "send(30)   -> returned (StopIteration)",
    ]
    .map(String::from)
    .to_vec()
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

/// What was observed of each style, against the notes' program.
fn print_checks(runs: &[StyleRun]) {
    for run in runs {
        println!(
            "{}: {} exchanges; the notes' dialogue line for line: {}; closed cleanly: {}; \
             two-way as in the notes: {}",
            title(run.style),
            run.exchanges,
            run.dialogue_equal,
            run.closed_cleanly,
            run.two_way_equal
        );
    }
}

/// The two state machines side by side: what a paused consumer keeps, and what one
/// exchange with it costs.
fn print_comparison(runs: &[StyleRun], timed: u32) {
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
            title(run.style),
            consumer_bytes(run.style),
            cost
        );
    }
}

fn summary(args: Args, runs: &[StyleRun]) -> String {
    let of = |style: Style| runs.iter().find(|r| r.style == style);
    let exchanges = |style| of(style).map_or(0, |r| r.exchanges);
    let ns = |style| of(style).map_or(0.0, |r| r.ns_per_exchange);
    let all = |f: fn(&StyleRun) -> bool| runs.iter().all(f);
    format!(
        "summary: n={} exchanges_state_machine={} exchanges_async={} dialogues_equal={} \
         closed_cleanly={} two_way_equal={} ns_per_exchange_state_machine={:.1} \
         ns_per_exchange_async={:.1} ideal_s=0.000",
        args.n,
        exchanges(Style::StateMachine),
        exchanges(Style::Async),
        all(|r| r.dialogue_equal),
        runs.iter()
            .all(|r| r.closed_cleanly && r.exchanges == args.n),
        all(|r| r.two_way_equal),
        ns(Style::StateMachine),
        ns(Style::Async),
    )
}
