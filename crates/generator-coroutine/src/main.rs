//! Generator coroutines: Python builds coroutines on generators, which pause at `yield` and
//! resume on `send()`, in both directions. Stable Rust has no generators, so this shows the
//! two ways Rust gets the same thing: (a) a state machine written by hand, with a
//! `resume(input) -> output` method, which is what a generator is under the hood; (b) an
//! `async` block that the compiler turns into such a state machine, polled by hand with a
//! no-op waker and a shared slot carrying the values. Both play the notes' producer/consumer
//! dialogue and the two-way generator, through the same `Coroutine` trait.
//!
//! Run: `cargo run --release -p generator-coroutine`, or
//! `cargo run --release -p generator-coroutine -- --n 3 --style async`; the notes' two
//! programs alone: `cargo run -p generator-coroutine --example generator_consumer` and
//! `--example interactive_generator`.
//!
//! Look for: both styles print exactly the notes' lines (Producing n, Consuming n, Consumer
//! return: 200 OK from iter n; Generator started, Ready, Received: 10, ...), the demo's own
//! narration on separate `  # ` lines, the sizes of the two state machines, and what one
//! exchange costs in each. `--trace t.json` draws each resume as a slice on the
//! generator's track and the time between resumes on the caller's: they take turns.

mod async_block;
mod dialogue;
mod lanes;
mod notes;
mod output;
mod report;
mod state_machine;
mod trace;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};

use async_block::AsyncGenerator;
use dialogue::{Dialogue, show};
use lanes::Traced;
use report::{StyleRun, Summary};
use trace::Trace;

/// Generators and send() in Rust: a hand-written state machine and an async block polled by hand.
#[derive(Parser, Debug, Clone)]
#[command(version, about)]
struct Args {
    /// How many messages the producer sends the consumer (the notes send 5).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    n: u32,

    /// Which implementation to run.
    #[arg(long, value_enum, default_value_t = Style::Both)]
    style: Style,

    /// Exchanges to time silently per style (in 5 rounds, the fastest kept), to measure
    /// what one resume costs; 0 skips the timing.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(0..=100_000_000))]
    time_exchanges: u32,

    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum Style {
    StateMachine,
    Async,
    Both,
}

/// The generators are driven by hand, on this thread, with no runtime and no socket: only
/// the output (the hook handles it) and the `--trace` file can fail, with one error line.
fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = Args::parse();
    let trace = match args.trace {
        Some(_) => Trace::new(Instant::now()),
        None => Trace::off(),
    };
    let styles = args.style.each();
    let runs: Vec<StyleRun> = styles
        .iter()
        .map(|&style| run_style(style, &args, &trace))
        .collect();
    report::print_table(&runs, args.n, args.time_exchanges);
    if let Some(path) = &args.trace {
        if let Err(error) = lanes::write(&trace, path) {
            eprintln!("error: {error:#}");
            return ExitCode::FAILURE;
        }
    }
    println!("{}", Summary::new(args.n, &runs));
    ExitCode::SUCCESS
}

/// Play both of the notes' programs with one style, then check them against what the notes'
/// Python prints and time its exchanges. (`Traced` draws each resume in the trace.)
fn run_style(style: Style, args: &Args, trace: &Trace) -> StyleRun {
    let dialogue = Dialogue::headed(style, "producer and consumer");
    let mut consumer = make_consumer(style, &dialogue);
    let row = format!("{}: producer and consumer", style.title());
    let mut consumer = Traced::new(&mut *consumer, trace, &row, "producer", "consumer");
    let produced = produce(&mut consumer, args.n, &dialogue);

    let two_way = Dialogue::headed(style, "two-way generator");
    let mut generator = make_two_way(style, &two_way);
    let row = format!("{}: two-way generator", style.title());
    let mut generator = Traced::new(&mut *generator, trace, &row, "caller", "generator");
    drive_two_way(&mut generator, &two_way);
    println!();

    StyleRun::check(style, args, produced, &dialogue, &two_way)
}

// ---------------------------------------------------------------------------------------
// The generator's interface, and the two ways to build it.

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
type DynTwoWay<'d> = dyn Coroutine<Input = Option<i64>, Yield = String, Return = ()> + 'd;

/// (a) the enum written by hand, or (b) the async block the compiler turns into one.
pub fn make_consumer(style: Style, d: &Dialogue) -> Box<DynConsumer<'_>> {
    match style {
        Style::StateMachine => Box::new(state_machine::Consumer::new(d)),
        _ => Box::new(AsyncGenerator::new(|y| async_block::consumer(y, d))),
    }
}

fn make_two_way(style: Style, d: &Dialogue) -> Box<DynTwoWay<'_>> {
    match style {
        Style::StateMachine => Box::new(state_machine::TwoWay::new(d)),
        _ => Box::new(AsyncGenerator::new(|y| async_block::two_way(y, d))),
    }
}

// ---------------------------------------------------------------------------------------
// The notes' two drivers, the same for both styles: they only know the trait.

// ANCHOR: produce
/// The notes' producer: start the consumer, send it 1..=n, print each reply, close it.
/// Returns the number of replies and whether the consumer closed cleanly: it reported the
/// end of its loop after exactly those messages, and has nothing left to run.
fn produce(consumer: &mut DynConsumer<'_>, n: u32, d: &Dialogue) -> (u32, bool) {
    d.note(format_args!(
        "send(None): the consumer runs to its first yield"
    ));
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
                d.note(format_args!("the consumer stopped early"));
                break;
            }
        }
    }
    d.note(format_args!("close(): the producer is done"));
    consumer.close();
    let loop_ended = format!("[CONSUMER] loop ended after {exchanges} messages");
    let nothing_left = consumer.resume(Some(n + 1)) == Step::Closed;
    (
        exchanges,
        started && d.last_note() == Some(loop_ended) && nothing_left,
    )
}
// ANCHOR_END: produce

/// The notes' two-way exchange: print what send(None), send(10) and send(20) return; one
/// send more, which the notes do not make, runs the generator off its end.
fn drive_two_way(generator: &mut DynTwoWay<'_>, d: &Dialogue) {
    d.note(format_args!(
        "gen = interactive_generator(), the line the notes leave out: as written, their snippet \
         stops at once with NameError: name 'gen' is not defined"
    ));
    for input in [None, Some(10), Some(20)] {
        match generator.resume(input) {
            Step::Yielded(value) => d.say(format_args!("{value}")),
            _ => d.note(format_args!("send({}): finished too early", show(input))),
        }
    }
    match generator.resume(Some(30)) {
        Step::Returned(()) => d.note(format_args!("send(30): it ran off its end (StopIteration)")),
        _ => d.note(format_args!("send(30): it did not end where it should")),
    }
}
