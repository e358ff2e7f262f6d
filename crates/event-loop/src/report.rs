//! What the demo prints after the loops ran: each loop's finish order, the two side by
//! side, the concurrency figures, and the `summary:` line.

use std::fmt;
use std::time::Duration;

use crate::executor::Stats;
use crate::tasks::{Record, Scenario};

/// What the demo is about to run.
pub fn announce(sc: Scenario) {
    say!(
        "{} tasks: 1 echo server, {} clients (+{} echo tasks), 3 sleepers; step {} ms",
        sc.task_count(),
        sc.clients,
        sc.clients,
        sc.step.as_millis()
    );
}

/// What the scratch loop did to run them.
pub fn print_stats(stats: &Stats) {
    say!(
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
) -> Result<Summary, String> {
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

pub fn failed(records: &[Record]) -> Result<(), String> {
    match records.iter().find(|r| r.value.starts_with("failed")) {
        Some(r) => Err(format!(
            "task {} {}; run again, or with --trace to see where",
            r.task, r.value
        )),
        None => Ok(()),
    }
}

pub fn order(records: &[Record]) -> String {
    records
        .iter()
        .map(|r| r.task.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn print_results(title: &str, records: &[Record]) -> Result<(), String> {
    say!("\n{title}: tasks in the order they finished");
    say!("  {:>2}  {:<9} {:>9}  result", "#", "task", "finished");
    for (n, r) in records.iter().enumerate() {
        say!("  {:>2}  {:<9} {:>9}  {}", n + 1, r.task, at(r.at), r.value);
    }
    say!("finish order ({title}): {}", order(records));
    failed(records)
}

/// Side by side; the results match when every row has the same task and value.
fn compare_with_tokio(ours: &[Record], theirs: &[Record]) -> Result<bool, String> {
    failed(ours)?;
    failed(theirs)?;
    say!("\nthe same tasks, scratch loop vs tokio current_thread, in the order they finished");
    say!(
        "  {:>2}  {:<9} {:>9}  {:<9} {:>9}  {:<4}  result",
        "#",
        "scratch",
        "at",
        "tokio",
        "at",
        "same"
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
        say!(
            "  {:>2}  {ta:<9} {aa:>9}  {tb:<9} {ab:>9}  {:<4}  {value}",
            n + 1,
            if same { "yes" } else { "NO" }
        );
    }
    say!("finish order (scratch loop): {}", order(ours));
    say!("finish order (tokio): {}", order(theirs));
    say!("results match tokio: {all_same}");
    Ok(all_same)
}

/// Concurrency, measured: one thread, yet the run takes the longest wait, not the sum.
fn print_concurrency(sc: Scenario, scratch: Option<Duration>, tokio: Option<Duration>) {
    let (longest, sum) = (
        sc.longest_wait().as_secs_f64(),
        sc.sum_of_waits().as_secs_f64(),
    );
    say!("\nwaits in the tasks: longest {longest:.3} s, all added up {sum:.3} s");
    for (name, elapsed) in [("scratch loop", scratch), ("tokio", tokio)] {
        if let Some(e) = elapsed.map(|e| e.as_secs_f64()) {
            say!(
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
        write!(
            f,
            "summary: tasks={} clients={} elapsed_s={:.3} results_match_tokio={} parks_on_io={} wakeups={} \
             polls={} ideal_s={:.3} longest_wait_s={:.3} sum_of_waits_s={:.3} tokio_elapsed_s={}",
            self.tasks,
            self.clients,
            self.elapsed.as_secs_f64(),
            self.matches.map_or_else(na, |m| m.to_string()),
            count(|s| s.parks_on_io),
            count(|s| s.wakeups),
            count(|s| s.polls),
            self.ideal.as_secs_f64(),
            self.longest.as_secs_f64(),
            self.sum.as_secs_f64(),
            self.tokio_elapsed
                .map_or_else(na, |d| format!("{:.3}", d.as_secs_f64())),
        )
    }
}

/// `program | head` closes the pipe early, and the next `println!` then panics with
/// "Broken pipe". The reader is done, the program is not wrong: end quietly, status 0.
/// (This program prints through `say!`, which ignores the closed pipe; the hook is for
/// anything else.)
pub fn end_quietly_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.to_string().contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
