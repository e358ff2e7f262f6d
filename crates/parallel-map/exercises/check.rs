//! The checks of parallel-map's exercises: `make exercise NAME=...` builds the exercise
//! and runs this with the program's path. Each check runs the program and measures it.

mod checking;

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use checking::{Exercise, Verdict, failed, run};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "parallel_map_one_pool",
        question: "40 items, n_jobs=2: how many OS threads does the program start in all, and how many items run at once?",
        goal: "at most 4 threads in all (the main thread and one pool of 2, give or take one), \
               two of them at work at the same time, each running at least a quarter of the items",
        hints: [
            "every ThreadPoolBuilder::build() starts new threads: build the pool once, before the map",
            "pool.install(|| (0..100u64).into_par_iter().filter(..).map(..).collect()) (use rayon::prelude::*): the pool's threads share the items",
        ],
        check: one_pool,
    }])
}

/// Watches the program's threads in /proc while it runs: how many it started in all
/// (each thread has its own id), and how much CPU each used and when it was alive. A pool
/// per item starts two threads per item and runs one item at a time; one pool shares the
/// items between its two threads, at the same time. Printing does not change either.
fn one_pool(program: &Path) -> Verdict {
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let stop = stop.clone();
        thread::spawn(move || watch_threads(&stop))
    };
    let run = run(program, &[], Duration::from_secs(60));
    stop.store(true, Ordering::SeqCst);
    let threads = watcher.join().expect("the watcher");
    if let Some(why) = failed(&run) {
        return Verdict {
            measured: why,
            passed: false,
        };
    }
    let total: f64 = threads.values().map(|t| t.cpu).sum::<f64>().max(1e-9);
    let workers: Vec<&Seen> = threads.values().filter(|t| t.cpu >= 0.25 * total).collect();
    let together = workers.iter().enumerate().any(|(i, a)| {
        workers[i + 1..].iter().any(|b| {
            let overlap = a
                .last
                .min(b.last)
                .saturating_duration_since(a.first.max(b.first));
            let shorter = (a.last - a.first).min(b.last - b.first);
            !shorter.is_zero() && overlap >= shorter / 2
        })
    });
    let measured = format!(
        "{} OS threads started in all (at most {} at once); {} of them did a quarter of the work \
         or more{}; {:.2} s",
        threads.len(),
        run.peak_threads,
        workers.len(),
        if workers.len() >= 2 && !together {
            ", one after the other"
        } else {
            ""
        },
        run.elapsed.as_secs_f64(),
    );
    Verdict {
        measured,
        passed: (1..=4).contains(&threads.len()) && workers.len() >= 2 && together,
    }
}

/// One thread of the program, as /proc showed it.
struct Seen {
    first: Instant,
    last: Instant,
    cpu: f64,
}

/// Every 2 ms until `stop`: the threads of this process's child (the program), with the
/// CPU time each had used (/proc/PID/task/TID/schedstat, in nanoseconds) and when each
/// was first and last seen. Linux only; elsewhere it sees none.
fn watch_threads(stop: &AtomicBool) -> HashMap<u32, Seen> {
    let mut seen: HashMap<u32, Seen> = HashMap::new();
    let mut child = None;
    while !stop.load(Ordering::SeqCst) {
        child = child.or_else(find_child);
        if let Some(pid) = child
            && let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task"))
        {
            let now = Instant::now();
            for tid in tasks.filter_map(|t| t.ok()?.file_name().to_str()?.parse::<u32>().ok()) {
                let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/schedstat"))
                else {
                    continue;
                };
                let ns: f64 = stat
                    .split_whitespace()
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0.0);
                let entry = seen.entry(tid).or_insert(Seen {
                    first: now,
                    last: now,
                    cpu: 0.0,
                });
                entry.last = now;
                entry.cpu = entry.cpu.max(ns * 1e-9);
            }
        }
        thread::sleep(Duration::from_millis(2));
    }
    seen
}

/// The pid of this process's child, if it has one.
fn find_child() -> Option<u32> {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc").ok()?.find_map(|e| {
        let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let ppid = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?;
        (ppid == me).then_some(pid)
    })
}
