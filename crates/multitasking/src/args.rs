//! What the flags ask for, as the run uses it: durations, the thread count, the ticks that
//! fit. Flags that are each valid but together cannot show the idea are refused here.

use std::thread;
use std::time::Duration;

use clap::CommandFactory;
use clap::error::ErrorKind;

use crate::Args;

/// The run the flags ask for.
#[derive(Clone, Copy)]
pub struct Plan {
    /// Busy threads in part one, and the cores this process may use.
    pub threads: usize,
    pub cores: usize,
    /// Part one's sampling: how long, and how often.
    pub duration: Duration,
    pub sample: Duration,
    /// Part two: the ticker's period and number of ticks, and how long the other task spins.
    pub tick: Duration,
    pub ticks: u32,
    pub spin: Duration,
    /// Part three: round trips of the token in each game.
    pub round_trips: u32,
}

impl Plan {
    /// Exits 2, as clap does, if the flags cannot show the idea.
    pub fn new(args: &Args) -> Plan {
        reject_what_cannot_show_the_idea(args);
        let cores = thread::available_parallelism().map_or(1, |n| n.get());
        Plan {
            threads: args.threads.map_or(2 * cores, |n| n as usize),
            cores,
            duration: Duration::from_millis(args.duration_ms),
            sample: Duration::from_millis(args.sample_ms),
            tick: Duration::from_millis(args.tick_ms),
            ticks: (args.duration_ms / args.tick_ms) as u32,
            spin: Duration::from_millis(args.spin_ms),
            round_trips: args.round_trips,
        }
    }

    /// Deliberate waits: part one's sampling period, and the ticker's schedule, twice.
    pub fn ideal(&self) -> Duration {
        self.duration + 2 * self.tick * self.ticks
    }
}

/// Refuses, as clap refuses a bad value (exit 2), flags that are each valid but together
/// cannot show the idea, naming the flag to change.
fn reject_what_cannot_show_the_idea(args: &Args) {
    let (d, s, t, spin) = (args.duration_ms, args.sample_ms, args.tick_ms, args.spin_ms);
    let problem = if s > d {
        Some(format!(
            "--sample-ms {s} is longer than --duration-ms {d}: part one would end before its \
             first sampling window and show no progress at all; make --sample-ms at most {d} \
             (or raise --duration-ms)"
        ))
    } else if 2 * t > d {
        Some(format!(
            "--tick-ms {t} fits fewer than two ticks in --duration-ms {d}, and the spinner \
             starts after the first: no tick could be starved; make --tick-ms at most {} (or \
             raise --duration-ms to at least {})",
            d / 2,
            2 * t
        ))
    } else if 2 * spin <= t {
        Some(format!(
            "--spin-ms {spin} ends before the next tick is due (the spin starts at 1.5 ticks, \
             the next tick at 2): no tick could be starved; make --spin-ms more than {} (or \
             lower --tick-ms)",
            t / 2
        ))
    } else {
        None
    };
    if let Some(message) = problem {
        Args::command()
            .error(ErrorKind::ArgumentConflict, message)
            .exit();
    }
}
