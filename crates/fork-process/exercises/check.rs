//! The checks of fork-process's exercises: `make exercise NAME=...` builds the exercise
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
        name: "fork_process_reap",
        question: "while the parent does its own work, what are its three finished children: running, gone, or something else?",
        goal: "3 children, no zombie left in the last 200 ms of the program (its own work), none left \
               running, and their CPU time counted in the parent's reaped children (it waited for each)",
        hints: [
            "a child that has exited stays in the process table as a zombie until its parent collects its exit status",
            "nix::sys::wait::waitpid(child, None) for each pid, after the fork loop and before the parent's own work",
        ],
        check: reaped,
    }])
}

/// Watches the program's children in /proc while it runs (which are zombies, and for how
/// long; how much CPU each used), and, after the program ends, how much CPU time its
/// reaped children add to it (getrusage of this check's reaped children: the program's
/// own, plus that of every child it waited for; a child it never waited for counts for
/// nobody here). Printing does not change any of it.
fn reaped(program: &Path) -> Verdict {
    let before = children_cpu();
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let stop = stop.clone();
        thread::spawn(move || watch_children(&stop))
    };
    let run = run(program, &[], Duration::from_secs(20));
    stop.store(true, Ordering::SeqCst);
    let (seen, last_alive) = watcher.join().expect("the watcher");
    if let Some(why) = failed(&run) {
        return Verdict {
            measured: why,
            passed: false,
        };
    }
    let reaped_cpu = children_cpu() - before;
    let children_cpu: f64 = seen.values().map(|c| c.cpu).sum::<f64>() + 0.0; // not -0.0
    // A child that ends before the elder one its parent waits for is a zombie until then:
    // that is fine. One still a zombie while the parent does its own work is not.
    let last_zombie = seen
        .values()
        .filter_map(|c| c.zombie.map(|(_, last)| last))
        .max();
    let zombie_before_end_ms = match (last_zombie, last_alive) {
        (Some(zombie), Some(alive)) => {
            Some(alive.saturating_duration_since(zombie).as_secs_f64() * 1e3)
        }
        _ => None,
    };
    let zombies = seen.values().filter(|c| c.zombie.is_some()).count();
    let last = zombie_before_end_ms.map_or(String::new(), |ms| {
        format!(", the last one seen {ms:.0} ms before the program ended")
    });
    let measured = format!(
        "{} children seen; {zombies} of them zombies{last}; {} left running; \
         their CPU {children_cpu:.2} s, of which the program reaped {:.2} s",
        seen.len(),
        run.left_behind,
        reaped_cpu.min(children_cpu).max(0.0),
    );
    Verdict {
        measured,
        passed: seen.len() == 3
            && zombie_before_end_ms.is_none_or(|ms| ms > 200.0)
            && run.left_behind == 0
            && children_cpu >= 0.01
            && reaped_cpu >= 0.7 * children_cpu,
    }
}

/// The CPU seconds (user + system) of this process's reaped children so far.
fn children_cpu() -> f64 {
    use nix::sys::resource::{UsageWho, getrusage};
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).expect("getrusage");
    let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 * 1e-6;
    secs(usage.user_time()) + secs(usage.system_time())
}

/// A child of the program, as /proc showed it.
struct Seen {
    cpu: f64,
    /// When it was first and last seen as a zombie (state Z).
    zombie: Option<(Instant, Instant)>,
}

/// Every 2 ms until `stop`: the children of this process's child (the program), their
/// state (/proc/PID/stat) and CPU time (/proc/PID/schedstat in nanoseconds, else stat's
/// utime + stime in 10 ms ticks), and when the program itself was last seen alive. Linux
/// only; elsewhere it sees none.
fn watch_children(stop: &AtomicBool) -> (HashMap<u32, Seen>, Option<Instant>) {
    let mut seen: HashMap<u32, Seen> = HashMap::new();
    let (mut program, mut last_alive) = (None, None);
    while !stop.load(Ordering::SeqCst) {
        program = program.or_else(|| children_of(std::process::id()).first().map(|c| c.0));
        if let Some(parent) = program {
            let now = Instant::now();
            let state = std::fs::read_to_string(format!("/proc/{parent}/stat")).unwrap_or_default();
            let state = state
                .rsplit_once(')')
                .map_or("", |(_, rest)| rest.trim_start());
            if !state.is_empty() && !state.starts_with('Z') {
                last_alive = Some(now);
            }
            for (pid, state, ticks) in children_of(parent) {
                let child = seen.entry(pid).or_insert(Seen {
                    cpu: 0.0,
                    zombie: None,
                });
                // schedstat's first field: nanoseconds on a CPU; else stat's 10 ms ticks.
                let ns = std::fs::read_to_string(format!("/proc/{pid}/schedstat")).ok();
                let ns = ns.and_then(|t| t.split_whitespace().next()?.parse::<f64>().ok());
                child.cpu = child
                    .cpu
                    .max(ns.map_or(ticks as f64 / 100.0, |ns| ns * 1e-9));
                if state == "Z" {
                    let from = child.zombie.map_or(now, |(from, _)| from);
                    child.zombie = Some((from, now));
                }
            }
        }
        thread::sleep(Duration::from_millis(2));
    }
    (seen, last_alive)
}

/// (pid, state, utime + stime in ticks) of every process whose parent is `parent`.
fn children_of(parent: u32) -> Vec<(u32, String, u64)> {
    let parent = parent.to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| {
            let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            // After the name: state, ppid, ..., utime (14th field of the line), stime (15th).
            let ticks =
                fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
            (fields.get(1)? == &parent).then(|| (pid, fields[0].to_string(), ticks))
        })
        .collect()
}
