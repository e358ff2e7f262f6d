//! The harness: n_jobs as joblib reads it, the calibration of an item's work, the turns
//! the two maps take, the tables, and the summary line. The idea is in main.rs.

use crate::machine::{self, Share};
use std::collections::BTreeMap;
use std::fmt;
use std::hint::black_box;
use std::time::Instant;

use crate::output::write_summary;

/// One item's outcome, with who computed it and when it finished.
#[derive(Clone, Copy, Debug)]
pub struct Item {
    pub b: u64,
    pub result: u64,
    /// rayon's index of the pool thread that ran it (None: not on a pool thread).
    pub thread: Option<usize>,
    /// 0 for the first item to finish, 1 for the next, ...
    pub finished: usize,
    /// When its call began and ended (for `--trace`).
    pub ran: (Instant, Instant),
}

/// What `--help` says after the flags: what the figures are.
pub const SPEEDUP_HELP: &str = "speedup: the sequential map's own CPU time (its thread's, from \
/proc/thread-self/schedstat) over the pool's wall time; on a quiet machine the usual ratio of \
wall times, and never above the cores the pool really got (about 1 under taskset -c 0). \
tiny_speedup: the tiny sequential map's wall time over the tiny pool map's.";

/// `--n-jobs` as joblib reads it: any non-zero count; 0 has no meaning.
pub fn parse_n_jobs(text: &str) -> Result<i32, String> {
    let n: i32 = text.parse().map_err(|e| format!("{e}"))?;
    match n {
        0 => Err(
            "0 workers cannot run anything; use a positive count, or -1 for every core \
                  (as in joblib)"
                .into(),
        ),
        -1024..=1024 => Ok(n),
        _ => Err("the pool holds at most 1024 threads; use -1024..=1024, not 0".into()),
    }
}

/// joblib's rule: n_jobs threads if positive; for a negative n_jobs, cores + 1 + n_jobs
/// (-1 is every core, -2 all but one), but never fewer than one.
pub fn threads_for(n_jobs: i32, cores: usize) -> usize {
    if n_jobs > 0 {
        n_jobs as usize
    } else {
        (cores as i64 + 1 + n_jobs as i64).max(1) as usize
    }
}

/// How many rounds of `work` this machine does in a millisecond of CPU time, measured
/// for ~20 ms (of this thread's CPU time where Linux tells it, so that other programs'
/// load does not shrink the items).
pub fn rounds_per_ms(work: impl Fn(u64) -> u64) -> u64 {
    let mut rounds = 1_000;
    loop {
        let (start, cpu) = (Instant::now(), thread_cpu_s());
        black_box(work(rounds));
        let wall = start.elapsed().as_secs_f64();
        let took = cpu.zip(thread_cpu_s()).map_or(wall, |(a, b)| b - a);
        if took >= 0.020 {
            return (rounds as f64 / took / 1e3).max(1.0) as u64;
        }
        rounds *= 2;
    }
}

/// "1 core", "2 cores": a one-core machine (or `taskset -c 0`) is a case the demo is for.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

pub fn header(asked: i32, n_jobs: usize, cores: usize, item_ms: u64, rounds: u64) {
    let threads = if asked < 0 {
        format!(" ({n_jobs} threads)")
    } else {
        String::new()
    };
    println!(
        "parallel-map: Parallel(n_jobs={asked})(delayed(func)({}, b) for b in range(100) \
         if b % 5 > 2){threads} on {}",
        crate::A,
        count(cores, "core"),
    );
    println!("  each item: about {item_ms} ms of CPU work ({rounds} rounds of a hash)\n");
}

/// Seconds of the two maps of real work, each the mean of its two runs.
pub struct Times {
    pub sequential_s: f64,
    /// The CPU time of the thread that ran the sequential map: its work alone, without
    /// the time other programs took the core from it (on Linux; elsewhere the wall time).
    pub sequential_cpu_s: f64,
    pub parallel_s: f64,
}

impl Times {
    /// How much sooner the pool finished the work than one core does it: the sequential
    /// map's own CPU time over the pool's wall time. On a quiet machine that is the plain
    /// ratio of the wall times. On a busy one the plain ratio also counts the share of the
    /// core each map won from other programs (30 threads win more turns than one), and
    /// can exceed the core count; this one cannot.
    pub fn speedup(&self) -> f64 {
        self.sequential_cpu_s / self.parallel_s.max(1e-9)
    }
}

/// CPU seconds the calling thread has run, from Linux's /proc/thread-self/schedstat
/// (nanoseconds); None elsewhere.
fn thread_cpu_s() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns * 1e-9)
}

/// Wall seconds of `f`.
pub fn seconds(f: impl FnOnce()) -> f64 {
    let start = Instant::now();
    f();
    start.elapsed().as_secs_f64()
}

/// Runs the two maps in the order sequential, pool, pool, sequential and adds up each
/// one's two runs: whatever drifts during the run (other programs' load, the clock, a
/// cold start) falls on both alike instead of on whichever goes first.
pub fn take_turns(
    sequential: impl Fn() -> Vec<Item>,
    parallel: impl Fn() -> anyhow::Result<Vec<Item>>,
) -> anyhow::Result<(Vec<Item>, Vec<Item>, Times)> {
    let mut times = Times {
        sequential_s: 0.0,
        sequential_cpu_s: 0.0,
        parallel_s: 0.0,
    };
    let (mut seq, mut par) = (Vec::new(), Vec::new());
    for pool_turn in [false, true, true, false] {
        let (start, cpu) = (Instant::now(), thread_cpu_s());
        if pool_turn {
            par = parallel()?;
            times.parallel_s += start.elapsed().as_secs_f64() / 2.0;
        } else {
            seq = sequential();
            let wall = start.elapsed().as_secs_f64();
            let cpu = cpu.zip(thread_cpu_s()).map_or(wall, |(a, b)| b - a);
            times.sequential_s += wall / 2.0;
            times.sequential_cpu_s += cpu / 2.0;
        }
    }
    Ok((seq, par, times))
}

pub fn same_results(a: &[Item], b: &[Item]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.b == y.b && x.result == y.result)
}

/// Prints the order the items finished in against the order the results came back in,
/// and which pool thread ran which items; returns how many threads ran at least one.
pub fn show_who_ran_what(items: &[Item]) -> usize {
    // The first 20 are enough to see the pattern on one line.
    let list = |bs: Vec<u64>| {
        let mut text: Vec<String> = bs.iter().take(20).map(u64::to_string).collect();
        if bs.len() > 20 {
            text.push("...".to_string());
        }
        text.join(" ")
    };
    let mut by_finish = items.to_vec();
    by_finish.sort_by_key(|item| item.finished);
    println!(
        "  items came back as  b = {}",
        list(items.iter().map(|i| i.b).collect())
    );
    println!(
        "  but finished as     b = {}",
        list(by_finish.iter().map(|i| i.b).collect())
    );

    let mut by_thread: BTreeMap<Option<usize>, Vec<u64>> = BTreeMap::new();
    for item in items {
        by_thread.entry(item.thread).or_default().push(item.b);
    }
    let in_order = items.windows(2).all(|w| w[0].b < w[1].b);
    let in_order = if in_order { "yes" } else { "NO" };
    println!("  all {} results in input order: {in_order}", items.len());
    // "thread: items" entries, as many to a line as fit in 80 columns.
    println!("\n  which pool thread ran which items (b):");
    let mut line = String::from(" ");
    for (thread, bs) in &by_thread {
        let name = thread.map_or("caller".to_string(), |t| format!("pool-{t}"));
        let bs: Vec<String> = bs.iter().map(u64::to_string).collect();
        let entry = format!(" {name}: {}", bs.join(" "));
        if line.len() + entry.len() > 80 {
            println!("{}", line.trim_end_matches(" |"));
            line = String::from(" ");
        }
        line.push_str(&entry);
        line.push_str(" |");
    }
    println!("{}", line.trim_end_matches(" |"));
    println!(
        "  {} items ran on {} of the pool's threads\n",
        items.len(),
        by_thread.len()
    );
    by_thread.len()
}

pub fn print_times(
    n_jobs: usize,
    reps: u32,
    t: &Times,
    &(tiny_seq, tiny_par, _): &(f64, f64, bool),
) {
    println!(
        "  {:<36} {:>9} {:>10} {:>9}",
        "map of the 40 items", "seconds", "per map", "speedup"
    );
    let pool = format!("rayon pool of {n_jobs} (with building it)");
    let tiny_s = format!("tiny items, sequential, {reps} times");
    let tiny_p = format!("tiny items, pool, {reps} times");
    // Ok: the base the row's speedup is taken over; Err: what its speedup column says.
    let rows = [
        ("sequential: wall time", t.sequential_s, 1, Err("-")),
        (
            "  its thread's own CPU time",
            t.sequential_cpu_s,
            1,
            Err("base"),
        ),
        (pool.as_str(), t.parallel_s, 1, Ok(t.sequential_cpu_s)),
        (tiny_s.as_str(), tiny_seq, reps, Err("base")),
        (tiny_p.as_str(), tiny_par, reps, Ok(tiny_seq)),
    ];
    for (name, secs, times, base) in rows {
        let per_map = secs / times as f64;
        let per_map = if per_map >= 1e-3 {
            format!("{:.1} ms", per_map * 1e3)
        } else {
            format!("{:.2} us", per_map * 1e6)
        };
        let speedup = base.map_or_else(str::to_string, |b| format!("{:.3}x", b / secs.max(1e-12)));
        println!("  {name:<36} {secs:>9.4} {per_map:>10} {speedup:>9}");
    }
    println!(
        "  (the 40 items: each the mean of 2 runs, in the order sequential, pool, pool,\n   \
         sequential.) speedup of the pool: the sequential thread's own CPU time over the\n   \
         pool's wall seconds, so time other programs took from that thread is not counted\n   \
         as work the pool saved; of the tiny items: a plain ratio of wall times"
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let sequential = Share {
        run: "sequential",
        got: t.sequential_cpu_s / t.sequential_s.max(1e-9),
        could: 1.0,
    };
    if let Some(note) = machine::note(cores, &[sequential]) {
        println!("  {note}");
    }
    println!(
        "  ideal_s = 0.000: the run waits for nothing on purpose; every second of it is CPU \
         work\n"
    );
}

/// The closing line; `make bench`, `make compare` and the tests read it.
pub struct Summary {
    n_jobs: usize,
    cores: usize,
    items: usize,
    times: Times,
    tiny: (f64, f64, bool),
    threads_used: usize,
    pool_threads: usize,
    order_kept: bool,
    results_equal: bool,
}

impl Summary {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        n_jobs: usize,
        cores: usize,
        items: usize,
        times: Times,
        tiny: (f64, f64, bool),
        threads_used: usize,
        pool_threads: usize,
        [order_kept, results_equal]: [bool; 2],
    ) -> Summary {
        Summary {
            n_jobs,
            cores,
            items,
            times,
            tiny,
            threads_used,
            pool_threads,
            order_kept,
            results_equal,
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let t = &self.times;
        let (tiny_seq, tiny_par, _) = self.tiny;
        let secs = |s: f64| format!("{s:.3}");
        write_summary(
            f,
            &[
                ("n_jobs", self.n_jobs.to_string()),
                ("items", self.items.to_string()),
                ("cores", self.cores.to_string()),
                ("sequential_s", secs(t.sequential_s)),
                ("parallel_s", secs(t.parallel_s)),
                ("speedup", format!("{:.2}", t.speedup())),
                ("sequential_cpu_s", secs(t.sequential_cpu_s)),
                ("tiny_sequential_s", secs(tiny_seq)),
                ("tiny_parallel_s", secs(tiny_par)),
                (
                    "tiny_speedup",
                    format!("{:.4}", tiny_seq / tiny_par.max(1e-9)),
                ),
                ("threads_used", self.threads_used.to_string()),
                ("pool_threads", self.pool_threads.to_string()),
                ("order_kept", self.order_kept.to_string()),
                ("results_equal", self.results_equal.to_string()),
                ("ideal_s", "0.000".to_string()),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n_jobs_reads_as_in_joblib() {
        assert_eq!(threads_for(30, 2), 30);
        assert_eq!(threads_for(-1, 2), 2);
        assert_eq!(threads_for(-1, 8), 8);
        assert_eq!(threads_for(-2, 8), 7);
        assert_eq!(threads_for(-2, 1), 1);
        assert_eq!(threads_for(-100, 4), 1);
        assert!(parse_n_jobs("0").is_err());
        assert_eq!(parse_n_jobs("-1"), Ok(-1));
        assert!(parse_n_jobs("2000").is_err());
    }
}
