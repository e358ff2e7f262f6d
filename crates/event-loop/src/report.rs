//! What the demo prints after the loops ran: each loop's finish order, the two side by
//! side, the concurrency figures, and the `summary:` line.

use std::fmt;
use std::time::Duration;

use anyhow::bail;

use crate::executor::Stats;
use crate::order::{self, Order};
use crate::output::write_summary;
use crate::tasks::{Record, Scenario};

/// What the demo is about to run.
pub fn announce(sc: Scenario) {
    println!(
        "{} tasks: 1 echo server, {} clients (+{} echo tasks), 3 sleepers; step {} ms\n  \
         (the step is the time unit: client i's echo comes i steps after it asks; the sleepers nap 0.5, 2.5, 3.5 steps)",
        sc.task_count(),
        sc.clients,
        sc.clients,
        sc.step.as_millis()
    );
}

/// What the scratch loop did to run them, each word explained where it first appears.
pub fn print_stats(stats: &Stats) {
    println!(
        "\nscratch loop (the one in src/, ONE thread): what it did to run the {} tasks. It keeps a ready\n\
         queue, the tasks that can run now, in line, and runs them one at a time:",
        stats.tasks
    );
    let rows = [
        (
            "polls",
            stats.polls,
            "a poll runs one task until it ends or reaches an .await that cannot go on yet \
             (Python: one step of a coroutine, up to its next await that waits)",
        ),
        (
            "parks_on_io",
            stats.parks_on_io,
            "parked on I/O: the task's socket was not ready (no bytes to read yet, a connect \
             under way), so the task is set aside, off the ready queue, until it is",
        ),
        (
            "timers",
            stats.timers,
            "parked on a timer: a sleep set the task aside until its deadline",
        ),
        (
            "poll(2) waits",
            stats.reactor_waits,
            "no task was ready, so the thread slept in ONE poll(2): the system call (Python: \
             selectors' select()) that returns when one of the sockets is ready or the nearest \
             deadline passes; not a poll of a task",
        ),
        (
            "wakeups",
            stats.wakeups,
            "a wake-up: a socket turned ready or a deadline passed, so the reactor (the part \
             of the loop that waits) put that parked task back on the ready queue",
        ),
    ];
    for (name, count, meaning) in rows {
        let mut lines = wrap(meaning, 80).into_iter();
        println!(
            "  {name:<13} {count:>4}  {}",
            lines.next().unwrap_or_default()
        );
        for line in lines {
            println!("  {:<13} {:>4}  {line}", "", "");
        }
    }
}

/// `text` in lines of at most about `width` characters, broken at spaces.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("never empty");
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// After the runs: each loop's finish order (side by side when both ran), the
/// concurrency figures, and the summary.
pub fn results(
    sc: Scenario,
    scratch: Option<(Vec<Record>, Stats)>,
    tokio: Option<(Vec<Record>, Duration)>,
    orders: [Option<Order>; 2],
) -> anyhow::Result<Summary> {
    let matches = match (&scratch, &tokio) {
        (Some((ours, _)), Some((theirs, _))) => Some(compare_with_tokio(ours, theirs)?),
        (Some((ours, _)), None) => print_results("scratch loop", ours).map(|_| None)?,
        (None, Some((theirs, _))) => print_results("tokio", theirs).map(|_| None)?,
        (None, None) => None,
    };
    let scratch_elapsed = scratch.as_ref().map(|(_, stats)| stats.elapsed);
    let tokio_elapsed = tokio.as_ref().map(|(_, elapsed)| *elapsed);
    print_concurrency(sc, scratch_elapsed, tokio_elapsed);
    let [ours, theirs] = orders;
    order::print(ours.as_ref(), theirs.as_ref());
    let runs = u32::from(scratch.is_some()) + u32::from(tokio.is_some());
    print_ideal(sc, runs);
    Ok(Summary {
        tasks: sc.task_count(),
        clients: sc.clients,
        elapsed: scratch_elapsed.or(tokio_elapsed).unwrap_or_default(),
        matches,
        stats: scratch.map(|(_, stats)| stats),
        tokio_elapsed,
        longest: sc.longest_wait(),
        sum: sc.sum_of_waits(),
        order: ours.or(theirs),
        ideal: (sc.longest_wait() + order::longest(sc.step)) * runs,
    })
}

pub fn failed(records: &[Record]) -> anyhow::Result<()> {
    if let Some(r) = records.iter().find(|r| r.value.starts_with("failed")) {
        bail!(
            "task {} {}; run again, or with --narrate to see where",
            r.task,
            r.value
        );
    }
    Ok(())
}

pub fn order(records: &[Record]) -> String {
    records
        .iter()
        .map(|r| r.task.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn print_results(title: &str, records: &[Record]) -> anyhow::Result<()> {
    println!("\n{title}: tasks in the order they finished");
    println!("  {:>2}  {:<9} {:>9}  result", "#", "task", "finished");
    for (n, r) in records.iter().enumerate() {
        println!("  {:>2}  {:<9} {:>9}  {}", n + 1, r.task, at(r.at), r.value);
    }
    println!("finish order ({title}): {}", order(records));
    failed(records)
}

/// Side by side; the results match when every row has the same task and value.
fn compare_with_tokio(ours: &[Record], theirs: &[Record]) -> anyhow::Result<bool> {
    failed(ours)?;
    failed(theirs)?;
    println!(
        "\nthe same tasks, scratch loop vs tokio current_thread (tokio's own loop on ONE thread,\n\
         Rust's counterpart of asyncio's), in the order they finished"
    );
    println!(
        "  {:>2}  {:<9} {:>9}  {:<9} {:>9}  {:<4}  result",
        "#", "scratch", "at", "tokio", "at", "same"
    );
    let mut all_same = ours.len() == theirs.len();
    for n in 0..ours.len().max(theirs.len()) {
        let (a, b) = (ours.get(n), theirs.get(n));
        let same = matches!((a, b), (Some(a), Some(b)) if a.task == b.task && a.value == b.value);
        all_same &= same;
        let cell = |r: Option<&Record>| {
            r.map_or(("-".to_string(), "-".to_string()), |r| {
                (r.task.clone(), at(r.at))
            })
        };
        let ((ta, aa), (tb, ab)) = (cell(a), cell(b));
        let value = match (a, b) {
            (Some(a), Some(b)) if a.value != b.value => format!("{} | {}", a.value, b.value),
            (Some(r), _) | (None, Some(r)) => r.value.clone(),
            (None, None) => String::new(),
        };
        println!(
            "  {:>2}  {ta:<9} {aa:>9}  {tb:<9} {ab:>9}  {:<4}  {value}",
            n + 1,
            if same { "yes" } else { "NO" }
        );
    }
    println!("finish order (scratch loop): {}", order(ours));
    println!("finish order (tokio): {}", order(theirs));
    println!("same_results (every row: the same task, the same result, on both loops): {all_same}");
    Ok(all_same)
}

/// Concurrency, measured: one thread, yet the run takes the longest wait, not the sum.
fn print_concurrency(sc: Scenario, scratch: Option<Duration>, tokio: Option<Duration>) {
    let (longest, sum) = (
        sc.longest_wait().as_secs_f64(),
        sc.sum_of_waits().as_secs_f64(),
    );
    println!(
        "\nwaits in the tasks: longest_wait_s {longest:.3} (the longest single wait), \
         sum_of_waits_s {sum:.3} (all of them added up)"
    );
    println!(
        "  {:<30} {:>9}  {:>14}  {:>14}",
        "loop", "elapsed", "x longest wait", "x sum of waits"
    );
    for (name, elapsed) in [
        ("scratch loop (elapsed_s)", scratch),
        ("tokio (library_elapsed_s)", tokio),
    ] {
        if let Some(e) = elapsed.map(|e| e.as_secs_f64()) {
            println!(
                "  {name:<30} {e:>7.3} s  {:>14.2}  {:>14.2}",
                e / longest,
                e / sum
            );
        }
    }
}

/// What `ideal_s` is in this demo, once, in a line.
pub fn print_ideal(sc: Scenario, runs: u32) {
    let (longest, order) = (sc.longest_wait(), order::longest(sc.step));
    println!(
        "\nideal_s {:.3}: the time the deliberate waits alone take. On one loop they overlap, so each loop\n\
         costs its longest wait ({:.3} s) plus the order test's longest sleep ({:.3} s); {runs} loop(s) ran, one after the other.",
        ((longest + order) * runs).as_secs_f64(),
        longest.as_secs_f64(),
        order.as_secs_f64()
    );
}

fn at(d: Duration) -> String {
    format!("+{:.3}s", d.as_secs_f64())
}

/// The last line of a demo run; every figure measured in this run (`na` for a loop that
/// did not run). `elapsed_s`, the counts and the orders are the scratch loop's (tokio's
/// with `--runtime tokio`).
pub struct Summary {
    pub tasks: usize,
    pub clients: u32,
    pub elapsed: Duration,
    pub matches: Option<bool>,
    pub stats: Option<Stats>,
    pub tokio_elapsed: Option<Duration>,
    pub longest: Duration,
    pub sum: Duration,
    pub order: Option<Order>,
    pub ideal: Duration,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let na = || "na".to_string();
        let count =
            |get: fn(&Stats) -> usize| self.stats.as_ref().map_or_else(na, |s| get(s).to_string());
        let secs = |d: Duration| format!("{:.3}", d.as_secs_f64());
        let word = |get: fn(&Order) -> &'static str| {
            self.order.as_ref().map_or_else(na, |o| get(o).to_string())
        };
        write_summary(
            f,
            &[
                ("tasks", self.tasks.to_string()),
                ("clients", self.clients.to_string()),
                ("elapsed_s", secs(self.elapsed)),
                (
                    "library_elapsed_s",
                    self.tokio_elapsed.map_or_else(na, secs),
                ),
                ("longest_wait_s", secs(self.longest)),
                ("sum_of_waits_s", secs(self.sum)),
                (
                    "same_results",
                    self.matches.map_or_else(na, |m| m.to_string()),
                ),
                ("polls", count(|s| s.polls)),
                ("parks_on_io", count(|s| s.parks_on_io)),
                ("wakeups", count(|s| s.wakeups)),
                ("ready_order", word(Order::ready_order)),
                ("timer_order", word(Order::timer_order)),
                ("ideal_s", secs(self.ideal)),
            ],
        )
    }
}
