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

/// The heading of part `n`, with the sleeps in ms, and the words it is the first to use;
/// a blank line before every part but the first.
pub fn part(n: u32, unit: Duration) {
    let [a, b, c] = [1, 2, 3].map(|k| unit.as_millis() * k);
    let (title, words): (String, &[&str]) = match n {
        1 => (
            format!(
                "select! over naps of {a}, {b} and {c} ms: the first wins, the others are dropped"
            ),
            &[
                "a nap: a future that sleeps, then returns its length in ms. select!: awaits several futures",
                "at once, runs the code of the first to finish and drops the others (asyncio.wait(FIRST_COMPLETED),",
                "then cancel() each loser). Dropped: thrown away mid-way; it stops at its .await for good and",
                "only its cleanup (its Drop, Rust's finally) runs.",
            ],
        ),
        2 => (
            format!(
                "a JoinSet spawned as {c}, {a}, {b} ms: join_next returns them in completion order"
            ),
            &[
                "a JoinSet: a set of spawned tasks (asyncio: a set of tasks); join_next() awaits whichever",
                "finishes next (asyncio.as_completed).",
            ],
        ),
        3 => (
            format!("a JoinSet of {a}, {b} and {c} ms, dropped after its first result"),
            &["aborted: the runtime drops the task at its .await (asyncio: task.cancel())."],
        ),
        4 => (
            format!("try_join! of {b} ms, an error after {a} ms, and {c} ms"),
            &[
                "try_join!: awaits all of them together and returns the first error, dropping the others",
                "(a TaskGroup does the same; asyncio.gather raises the error but lets the others run on).",
            ],
        ),
        _ => (
            "cancel safety: a tick after every third message, both loops biased".to_string(),
            &[
                "a future is cancel safe if dropping it mid-way loses nothing. A select! in a loop drops the",
                "losing branch's future every round, so each branch must be: recv() is (it takes a message",
                "only in the poll that returns it); a future that reads two in a row is not (the first one",
                "taken is lost with it). A tick: a message on a second channel, as a timer's would be.",
                "biased: select! tries its branches in the order written (unbiased, it starts at a random",
                "one, so that none starves); here the reader first, which makes the loss certain, not luck.",
            ],
        ),
    };
    if n > 1 {
        println!(); // a blank line between parts; the first line of the output is part 1's
    }
    println!("{n}. {title}");
    for line in words {
        println!("   {line}");
    }
}

pub fn first_of(f: FirstOf) -> FirstOf {
    println!(
        "  select! returned the {} ms nap (first_ms) after {:.3} s (first_elapsed_s)",
        f.winner,
        f.elapsed.as_secs_f64(),
    );
    println!(
        "  naps still running when its code ran: {} (losers_running)",
        f.running_after
    );
    println!(
        "  losers: cleanup ran {} (losers_cleanup), finished {} (losers_finished), counted after the slowest one's end",
        f.losers_dropped, f.losers_finished
    );
    f
}

pub fn order(order: Vec<u64>) -> Vec<u64> {
    let mut sorted = order.clone();
    sorted.sort_unstable();
    println!(
        "  results, in the order join_next returned them: {} ms; in completion order: {} (in_completion_order)",
        list(&order),
        order == sorted
    );
    order
}

pub fn dropped_set(d: DroppedSet) -> DroppedSet {
    println!(
        "  the set held {} tasks when dropped: aborted {} (set_aborted), finished afterwards {} (set_finished)",
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
        "  try_join! returned {result} after {:.3} s (try_join_error_s)",
        t.error_after.as_secs_f64()
    );
    println!(
        "  the others: cleanup ran {} (try_join_cleanup), finished {} (try_join_finished), counted after the slowest one's end",
        t.others_dropped, t.others_finished
    );
    t
}

pub fn delivered(how: &str, key: &str, d: Delivered) -> Delivered {
    println!(
        "  a loop that {how}: sent {} (messages), received {}, lost {} ({key}_lost)",
        d.sent,
        d.received,
        d.lost()
    );
    d
}

/// What ideal_s is, for a shortest nap of `unit`: printed once, before the summary line.
pub fn ideal(unit: Duration) {
    let ms = unit.as_millis();
    println!();
    println!(
        "ideal_s {:.3}: the time the deliberate waits alone take: parts 1, 3 and 4 each wait 3.5 x {ms} ms",
        ideal_s(unit)
    );
    println!(
        "  (past the slowest nap's end, to count what finished), part 2 its slowest nap, 3 x {ms} ms; part 5 none"
    );
}

/// The deliberate waits: parts 1, 3 and 4 each wait 3.5 units, part 2 three.
fn ideal_s(unit: Duration) -> f64 {
    unit.as_secs_f64() * 13.5
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
        let mut sorted = self.order.clone();
        sorted.sort_unstable();
        let fields = [
            ("first_ms", first.winner.to_string()),
            ("first_elapsed_s", secs(first.elapsed)),
            ("losers_running", first.running_after.to_string()),
            ("losers_cleanup", first.losers_dropped.to_string()),
            ("losers_finished", first.losers_finished.to_string()),
            ("in_completion_order", (self.order == sorted).to_string()),
            ("set_aborted", dropped.aborted.to_string()),
            ("set_finished", dropped.finished_after_drop.to_string()),
            ("try_join_error_s", secs(try_join.error_after)),
            ("try_join_cleanup", try_join.others_dropped.to_string()),
            ("try_join_finished", try_join.others_finished.to_string()),
            ("messages", self.lossy.sent.to_string()),
            ("lossy_lost", self.lossy.lost().to_string()),
            ("safe_lost", self.safe.lost().to_string()),
            ("ideal_s", format!("{:.3}", ideal_s(self.unit))),
        ];
        write_summary(f, &fields)
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
