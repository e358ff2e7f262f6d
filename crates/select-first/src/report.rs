//! The harness: what each part measured, the lines that show it, the closing summary
//! line, the one `error:` line, and the closed-pipe hook.

use std::fmt;
use std::process::ExitCode;
use std::time::Duration;

/// Part 1: select! over three naps.
pub struct FirstOf {
    pub winner: u64,
    pub elapsed: Duration,
    pub running_after: usize,
    pub losers_dropped: usize,
    pub losers_finished: usize,
}

/// Part 3: a JoinSet dropped while it still held tasks.
pub struct DroppedSet {
    pub held: usize,
    pub aborted: usize,
    pub finished_after_drop: usize,
}

/// Part 4: try_join! with one failing branch.
pub struct TryJoin {
    pub result: Result<(u64, u64, u64), String>,
    pub error_after: Duration,
    pub others_dropped: usize,
    pub others_finished: usize,
}

/// Part 5: messages sent to a select! loop, and how many it took in.
pub struct Delivered {
    pub sent: u32,
    pub received: u32,
}

impl Delivered {
    fn lost(&self) -> u32 {
        self.sent - self.received
    }
}

/// The heading of part `n`, with the sleeps in ms; a blank line before every part but the first.
pub fn part(n: u32, unit: Duration) {
    let [a, b, c] = [1, 2, 3].map(|k| unit.as_millis() * k);
    let title = match n {
        1 => format!(
            "select! over sleeps of {a}, {b} and {c} ms: the first wins, the others are dropped"
        ),
        2 => format!(
            "a JoinSet spawned as {c}, {a}, {b} ms: join_next returns them in completion order"
        ),
        3 => format!("a JoinSet of {a}, {b} and {c} ms, dropped after its first result"),
        4 => format!("try_join! of {b} ms, an error after {a} ms, and {c} ms"),
        _ => "cancel safety: a tick after every third message, both loops biased".to_string(),
    };
    if n > 1 {
        println!(); // a blank line between parts; the first line of the output is part 1's
    }
    println!("{n}. {title}");
}

pub fn first_of(f: FirstOf) -> FirstOf {
    println!(
        "  select! returned the {} ms nap after {:.3} s; naps still running when its handler ran: {}",
        f.winner,
        f.elapsed.as_secs_f64(),
        f.running_after
    );
    println!(
        "  losers: cleanup ran {}, finished {} (counted after the slowest one's end)",
        f.losers_dropped, f.losers_finished
    );
    f
}

pub fn order(order: Vec<u64>) -> Vec<u64> {
    println!(
        "  results, in the order join_next returned them: {} ms",
        list(&order)
    );
    order
}

pub fn dropped_set(d: DroppedSet) -> DroppedSet {
    println!(
        "  the set held {} tasks when dropped: aborted {}, finished afterwards {}",
        d.held, d.aborted, d.finished_after_drop
    );
    d
}

pub fn try_join(t: TryJoin) -> TryJoin {
    let result = match &t.result {
        Ok(values) => format!("Ok({values:?})"),
        Err(e) => format!("Err({e:?})"),
    };
    println!(
        "  try_join! returned {result} after {:.3} s",
        t.error_after.as_secs_f64()
    );
    println!(
        "  the others: cleanup ran {}, finished {} (counted after the slowest one's end)",
        t.others_dropped, t.others_finished
    );
    t
}

pub fn delivered(how: &str, d: Delivered) -> Delivered {
    println!(
        "  a loop that {how}: sent {}, received {}, lost {}",
        d.sent,
        d.received,
        d.lost()
    );
    d
}

/// The figures this run measured, printed as the closing `summary:` line.
pub struct Summary {
    unit: Duration,
    first: FirstOf,
    order: Vec<u64>,
    dropped: DroppedSet,
    try_join: TryJoin,
    lossy: Delivered,
    safe: Delivered,
}

type Parts = (FirstOf, Vec<u64>, DroppedSet, TryJoin, Delivered, Delivered);

impl Summary {
    pub fn new(unit: Duration, parts: Parts) -> Self {
        let (first, order, dropped, try_join, lossy, safe) = parts;
        Summary {
            unit,
            first,
            order,
            dropped,
            try_join,
            lossy,
            safe,
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (first, dropped, try_join) = (&self.first, &self.dropped, &self.try_join);
        let mut sorted = self.order.clone();
        sorted.sort_unstable();
        write!(
            f,
            "summary: first_ms={} first_elapsed_s={:.3}",
            first.winner,
            first.elapsed.as_secs_f64()
        )?;
        write!(
            f,
            " losers_running_after={} losers_cleanup={}",
            first.running_after, first.losers_dropped
        )?;
        write!(
            f,
            " losers_finished={} completion_order={}",
            first.losers_finished,
            list(&self.order)
        )?;
        write!(
            f,
            " in_completion_order={} dropped_set_held={}",
            self.order == sorted,
            dropped.held
        )?;
        write!(
            f,
            " dropped_set_aborted={} dropped_set_finished={}",
            dropped.aborted, dropped.finished_after_drop
        )?;
        write!(f, " try_join_failed={}", try_join.result.is_err())?;
        write!(
            f,
            " try_join_error_s={:.3}",
            try_join.error_after.as_secs_f64()
        )?;
        write!(f, " try_join_others_cleanup={}", try_join.others_dropped)?;
        write!(f, " try_join_others_finished={}", try_join.others_finished)?;
        write!(
            f,
            " messages={} lossy_received={}",
            self.lossy.sent, self.lossy.received
        )?;
        write!(
            f,
            " lossy_lost={} safe_received={}",
            self.lossy.lost(),
            self.safe.received
        )?;
        // The deliberate waits: parts 1, 3 and 4 each wait 3.5 units, part 2 three.
        let ideal = self.unit.as_secs_f64() * 13.5;
        write!(f, " safe_lost={} ideal_s={ideal:.3}", self.safe.lost())
    }
}

fn list(values: &[u64]) -> String {
    values
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// A failure at run time: one line that says what to do, status 1.
pub fn fail(what: &str) -> ExitCode {
    eprintln!(
        "error: {what} (check the process's limits on threads and memory, then run it again)"
    );
    ExitCode::FAILURE
}

/// `demo | head` closes the pipe early, and the next `println!` then panics with
/// "Broken pipe". The reader is done, the program is not wrong: end quietly, status 0.
pub fn end_quietly_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.to_string().contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
