//! What the demo prints after the loops ran: each loop's finish order, the two side by
//! side, the concurrency figures, and the `summary:` line.

use std::fmt;
use std::time::Duration;

use anyhow::bail;

use crate::executor::Stats;
use crate::output::write_summary;
use crate::tasks::{Record, Scenario};

/// What the demo is about to run.
pub fn announce(sc: Scenario) {
    println!(
        "{} tasks: 1 echo server, {} clients (+{} echo tasks), 3 sleepers; step {} ms",
        sc.task_count(),
        sc.clients,
        sc.clients,
        sc.step.as_millis()
    );
}

/// What the scratch loop did to run them.
pub fn print_stats(stats: &Stats) {
    println!(
        "\nscratch loop: {} tasks, {} polls, {} parks on I/O, {} timers, {} poll(2) waits, {} wake-ups",
        stats.tasks,
        stats.polls,
        stats.parks_on_io,
        stats.timers,
        stats.reactor_waits,
        stats.wakeups
    );
}

/// After the runs: each loop's finish order (side by side when both ran), the
/// concurrency figures, and the summary.
pub fn results(
    sc: Scenario,
    scratch: Option<(Vec<Record>, Stats)>,
    tokio: Option<(Vec<Record>, Duration)>,
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
    let runs = u32::from(scratch.is_some()) + u32::from(tokio.is_some());
    Ok(Summary {
        tasks: sc.task_count(),
        clients: sc.clients,
        elapsed: scratch_elapsed.or(tokio_elapsed).unwrap_or_default(),
        matches,
        stats: scratch.map(|(_, stats)| stats),
        tokio_elapsed,
        longest: sc.longest_wait(),
        sum: sc.sum_of_waits(),
        ideal: sc.longest_wait() * runs,
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
    println!("\nthe same tasks, scratch loop vs tokio current_thread, in the order they finished");
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
    println!("results match tokio: {all_same}");
    Ok(all_same)
}

/// Concurrency, measured: one thread, yet the run takes the longest wait, not the sum.
fn print_concurrency(sc: Scenario, scratch: Option<Duration>, tokio: Option<Duration>) {
    let (longest, sum) = (
        sc.longest_wait().as_secs_f64(),
        sc.sum_of_waits().as_secs_f64(),
    );
    println!("\nwaits in the tasks: longest {longest:.3} s, all added up {sum:.3} s");
    for (name, elapsed) in [("scratch loop", scratch), ("tokio", tokio)] {
        if let Some(e) = elapsed.map(|e| e.as_secs_f64()) {
            println!(
                "  {name:<12} elapsed {e:.3} s = {:.2} x longest wait, {:.2} x their sum",
                e / longest,
                e / sum
            );
        }
    }
}

fn at(d: Duration) -> String {
    format!("+{:.3}s", d.as_secs_f64())
}

/// The last line of a demo run; every figure measured in this run (`na` for a loop that
/// did not run).
pub struct Summary {
    pub tasks: usize,
    pub clients: u32,
    pub elapsed: Duration,
    pub matches: Option<bool>,
    pub stats: Option<Stats>,
    pub tokio_elapsed: Option<Duration>,
    pub longest: Duration,
    pub sum: Duration,
    pub ideal: Duration,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let na = || "na".to_string();
        let count =
            |get: fn(&Stats) -> usize| self.stats.as_ref().map_or_else(na, |s| get(s).to_string());
        let secs = |d: Duration| format!("{:.3}", d.as_secs_f64());
        write_summary(
            f,
            &[
                ("tasks", self.tasks.to_string()),
                ("clients", self.clients.to_string()),
                ("elapsed_s", secs(self.elapsed)),
                (
                    "results_match_tokio",
                    self.matches.map_or_else(na, |m| m.to_string()),
                ),
                ("parks_on_io", count(|s| s.parks_on_io)),
                ("wakeups", count(|s| s.wakeups)),
                ("polls", count(|s| s.polls)),
                ("ideal_s", secs(self.ideal)),
                ("longest_wait_s", secs(self.longest)),
                ("sum_of_waits_s", secs(self.sum)),
                ("tokio_elapsed_s", self.tokio_elapsed.map_or_else(na, secs)),
            ],
        )
    }
}
