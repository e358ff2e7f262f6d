//! The harness: what each part measured, the lines that show it, and the closing summary
//! line.

use std::fmt;
use std::time::Duration;

use crate::output::write_summary;

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
    pub result: anyhow::Result<(u64, u64, u64)>,
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
        Err(e) => format!("Err({:?})", e.to_string()),
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

/// The figures this run measured, printed as the closing `summary:` line: one field for
/// each part's findings, named for what it holds.
pub struct Summary {
    /// The shortest sleep; the others are two and three of it.
    pub unit: Duration,
    pub first: FirstOf,
    /// The results of part 2, in the order join_next returned them.
    pub order: Vec<u64>,
    pub dropped: DroppedSet,
    pub try_join: TryJoin,
    /// Part 5's loop that reads two in a row, and the one that reads one per poll.
    pub lossy: Delivered,
    pub safe: Delivered,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (first, dropped, try_join) = (&self.first, &self.dropped, &self.try_join);
        let (lossy, safe) = (&self.lossy, &self.safe);
        let mut sorted = self.order.clone();
        sorted.sort_unstable();
        // The deliberate waits: parts 1, 3 and 4 each wait 3.5 units, part 2 three.
        let ideal = self.unit.as_secs_f64() * 13.5;
        write_summary(
            f,
            &[
                ("first_ms", first.winner.to_string()),
                ("first_elapsed_s", secs(first.elapsed)),
                ("losers_running_after", first.running_after.to_string()),
                ("losers_cleanup", first.losers_dropped.to_string()),
                ("losers_finished", first.losers_finished.to_string()),
                ("completion_order", list(&self.order)),
                ("in_completion_order", (self.order == sorted).to_string()),
                ("dropped_set_held", dropped.held.to_string()),
                ("dropped_set_aborted", dropped.aborted.to_string()),
                (
                    "dropped_set_finished",
                    dropped.finished_after_drop.to_string(),
                ),
                ("try_join_failed", try_join.result.is_err().to_string()),
                ("try_join_error_s", secs(try_join.error_after)),
                (
                    "try_join_others_cleanup",
                    try_join.others_dropped.to_string(),
                ),
                (
                    "try_join_others_finished",
                    try_join.others_finished.to_string(),
                ),
                ("messages", lossy.sent.to_string()),
                ("lossy_received", lossy.received.to_string()),
                ("lossy_lost", lossy.lost().to_string()),
                ("safe_received", safe.received.to_string()),
                ("safe_lost", safe.lost().to_string()),
                ("ideal_s", format!("{ideal:.3}")),
            ],
        )
    }
}

fn secs(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

fn list(values: &[u64]) -> String {
    values
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}
