//! The checks of process-thread-identity's exercises: `make exercise NAME=...` builds the
//! exercise and runs this with the program's path. The check runs the program and watches
//! it from outside every 2 ms, as the demo counts: the entries of /proc/PID/task (the OS's
//! own thread count) and each thread's name (/proc/PID/task/TID/comm). Printing the right
//! lines cannot pass it.

mod checking;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use checking::{Exercise, Verdict};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "process_thread_identity_named_workers",
        question: "4 workers of 300 ms: how many threads does the OS count while they work, and after? How long does it take?",
        goal: "with N workers (3, then 5): 1 + N threads at once, named worker-1 .. worker-N, and only main left \
               in the last 200 ms",
        hints: [
            "a worker on the main thread adds no thread: start each with std::thread::Builder::new().name(...).spawn",
            "collect the JoinHandles first, then join() them all: joining each right after spawning runs them one at a time",
        ],
        check: named_workers,
    }])
}

/// What the check saw of one run: the thread count and the names at each sample.
struct Watched {
    code: Option<i32>,
    stderr: String,
    wall: f64,
    timed_out: bool,
    samples: Vec<(f64, usize)>,
    names: BTreeSet<String>,
}

fn watch(program: &Path, workers: usize) -> Watched {
    let start = Instant::now();
    let spawned = Command::new(program)
        .arg(workers.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            let stderr = format!("cannot start {}: {e}", program.display());
            return Watched {
                code: None,
                stderr,
                wall: 0.0,
                timed_out: false,
                samples: vec![],
                names: BTreeSet::new(),
            };
        }
    };
    let (mut samples, mut names, mut timed_out) = (Vec::new(), BTreeSet::new(), false);
    let task = format!("/proc/{}/task", child.id());
    let status = loop {
        if let Ok(entries) = std::fs::read_dir(&task) {
            let tids: Vec<_> = entries.flatten().collect();
            for t in &tids {
                if let Ok(name) = std::fs::read_to_string(t.path().join("comm")) {
                    names.insert(name.trim().to_string());
                }
            }
            samples.push((start.elapsed().as_secs_f64(), tids.len()));
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(20) {
            timed_out = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let wall = start.elapsed().as_secs_f64();
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut err, &mut stderr);
    }
    Watched {
        code: status.code(),
        stderr,
        wall,
        timed_out,
        samples,
        names,
    }
}

fn named_workers(program: &Path) -> Verdict {
    let mut measured = Vec::new();
    let mut passed = true;
    for n in [3, 5] {
        let w = watch(program, n);
        if w.timed_out || w.code != Some(0) {
            let why = w.stderr.lines().last().unwrap_or("").to_string();
            let what = if w.timed_out {
                "it was still running after 20 s".to_string()
            } else {
                format!("it exited with {:?}: {why}", w.code)
            };
            return Verdict {
                measured: format!("{n} workers: {what}"),
                passed: false,
            };
        }
        let peak = w.samples.iter().map(|s| s.1).max().unwrap_or(0);
        let named = (1..=n)
            .filter(|k| w.names.contains(&format!("worker-{k}")))
            .count();
        // The last 200 ms before it ended: the workers must be joined and gone by then.
        let late: Vec<usize> = w
            .samples
            .iter()
            .filter(|s| s.0 > w.wall - 0.2)
            .map(|s| s.1)
            .collect();
        let left = late.iter().copied().max().unwrap_or(0).saturating_sub(1);
        measured.push(format!(
            "{n} workers: {peak} thread(s) at most, {named} of {n} named worker-K, {left} left in the last 200 ms, {:.2} s",
            w.wall
        ));
        passed &= peak == n + 1 && named == n && left == 0;
    }
    Verdict {
        measured: measured.join("; "),
        passed,
    }
}
