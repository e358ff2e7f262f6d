//! The checks of cpu-bound's exercises: `make exercise NAME=...` builds the exercise and
//! runs this with the program's path. Each check runs the program and measures it.

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
        name: "cpu_bound_both_cores",
        question: "on two cores, how many does the program keep busy (its CPU time over its wall time)?",
        goal: "two threads at work at the same time, each doing at least a quarter of the work \
               (then two idle cores are both busy; on one core, about 1.0 is the most there is)",
        hints: [
            "one thread runs on one core at a time: give half of the jobs to a second thread, started before the first half runs",
            "std::thread::scope(|s| { let other = s.spawn(|| ...); ...; other.join() }): a spawn joined at once runs nothing in parallel",
        ],
        check: both_cores,
    }])
}

/// Measures the program from outside: its CPU time against its wall time (getrusage of
/// the reaped child: on one core at most about 1.0, on two idle cores up to 2.0), and each
/// of its threads' CPU time and lifetime (sampled from /proc). It passes on the threads:
/// two of them at work at the same time is what lets the OS use two cores; how many it
/// really gets depends on what else the machine runs, so that figure is shown, not judged.
fn both_cores(program: &Path) -> Verdict {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let before = children_cpu();
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
    let cpu = children_cpu() - before;
    let busy = cpu / run.elapsed.as_secs_f64().max(1e-9);
    let total: f64 = threads.values().map(|t| t.cpu).sum::<f64>().max(1e-9);
    // The threads that did a quarter of the work or more, and whether two of them were
    // alive at once for most of the shorter one's life.
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
        "{busy:.2} cores busy ({cpu:.2} s of CPU in {:.2} s, {cores} core(s) here); \
         {} thread(s) did a quarter of the work or more{}",
        run.elapsed.as_secs_f64(),
        workers.len(),
        if workers.len() >= 2 && !together {
            ", one after the other"
        } else {
            ""
        }
    );
    Verdict {
        measured,
        passed: workers.len() >= 2 && together,
    }
}

/// The CPU seconds (user + system) of this process's reaped children so far.
fn children_cpu() -> f64 {
    use nix::sys::resource::{UsageWho, getrusage};
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).expect("getrusage");
    let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 * 1e-6;
    secs(usage.user_time()) + secs(usage.system_time())
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
