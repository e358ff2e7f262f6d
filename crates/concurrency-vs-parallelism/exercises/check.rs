//! The checks of concurrency-vs-parallelism's exercises: `make exercise NAME=...` builds the
//! exercise and runs this with the program's path. The check runs the program and watches
//! it from outside, every 2 ms: the CPU time each of its threads has had (Linux's
//! /proc/PID/task/TID/schedstat, in nanoseconds), against the wall time. Printing the right
//! lines cannot pass it: the cakes' values are checked, and the CPU is the kernel's count.

mod checking;

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use checking::{Exercise, Verdict};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "concurrency_vs_parallelism_two_bakers",
        question: "how many cores' worth of CPU per second of wall time: one baker, two bakers here, two bakers on one core?",
        goal: "both cakes right, mixed at the same time on two threads (each with over a third of the CPU); \
               cores' worth: about 2 on two free cores, about 1.0 on one",
        hints: [
            "one thread mixes one cake at a time: give cake 2 a thread of its own, started before cake 1 is mixed",
            "let baker2 = std::thread::spawn(|| mix(2)); then mix(1) here, then baker2.join() for cake 2's dough",
        ],
        check: two_bakers,
    }])
}

/// Strokes per cake in the exercise.
const STROKES: u64 = 200_000_000;

/// Cake `cake`'s dough, mixed as the exercise mixes it: the check's own answer.
fn expected_dough(cake: u64) -> u64 {
    let mut dough = cake;
    for stroke in 0..std::hint::black_box(STROKES) {
        dough = dough
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(stroke);
        dough ^= dough >> 29;
    }
    dough
}

/// What the check saw: the program's output and, every 2 ms, each thread's CPU seconds.
struct Watched {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    wall: f64,
    timed_out: bool,
    samples: Vec<(f64, HashMap<u32, f64>)>,
}

fn watch(program: &Path, limit: Duration) -> Watched {
    let start = Instant::now();
    let mut child = match Command::new(program)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            let stderr = format!("cannot start {}: {e}", program.display());
            return Watched {
                code: None,
                stdout: String::new(),
                stderr,
                wall: 0.0,
                timed_out: false,
                samples: vec![],
            };
        }
    };
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    let (mut samples, mut timed_out) = (Vec::new(), false);
    let status = loop {
        samples.push((start.elapsed().as_secs_f64(), cpu_of_threads(child.id())));
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            timed_out = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let wall = start.elapsed().as_secs_f64();
    Watched {
        code: status.code(),
        stdout: reader.join().unwrap(),
        stderr: errors.join().unwrap(),
        wall,
        timed_out,
        samples,
    }
}

/// Seconds of CPU each thread of `pid` has had, from the kernel (Linux).
fn cpu_of_threads(pid: u32) -> HashMap<u32, f64> {
    let mut cpu = HashMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return cpu;
    };
    for task in tasks.flatten() {
        let Some(tid) = task
            .file_name()
            .to_str()
            .and_then(|t| t.parse::<u32>().ok())
        else {
            continue;
        };
        let schedstat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        if let Some(ns) = schedstat
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<f64>().ok())
        {
            cpu.insert(tid, ns / 1e9);
        }
    }
    cpu
}

fn two_bakers(program: &Path) -> Verdict {
    let w = watch(program, Duration::from_secs(30));
    let fail = |measured: String| Verdict {
        measured,
        passed: false,
    };
    if w.timed_out {
        return fail(format!(
            "it was still running after {:.1} s and was stopped",
            w.wall
        ));
    }
    if w.code != Some(0) {
        return fail(format!(
            "it exited with {:?}: {}",
            w.code,
            w.stderr.lines().last().unwrap_or("")
        ));
    }
    // The check mixes both cakes itself, after the program has ended, on two threads: how
    // many cores' worth they get says how many cores this machine has free just now.
    let mixed = Instant::now();
    let other = std::thread::spawn(|| (expected_dough(2), thread_cpu_s()));
    let (dough1, cpu1) = (expected_dough(1), thread_cpu_s());
    let (dough2, cpu2) = other.join().unwrap();
    let free = (cpu1 + cpu2) / mixed.elapsed().as_secs_f64();
    let doughs = [dough1, dough2];
    for (cake, dough) in [(1, doughs[0]), (2, doughs[1])] {
        let want = format!("cake {cake}: {dough:016x}");
        if !w.stdout.lines().any(|l| l.trim() == want) {
            return fail(format!("no line `{want}`: cake {cake} was not mixed right"));
        }
    }
    // Each thread's CPU at the end (its last sample), and when it was mixing.
    let mut last: HashMap<u32, f64> = HashMap::new();
    for (_, cpu) in &w.samples {
        last.extend(cpu.iter().map(|(t, c)| (*t, *c)));
    }
    let total: f64 = last.values().sum();
    let mut busiest: Vec<(u32, f64)> = last.into_iter().collect();
    busiest.sort_by(|a, b| b.1.total_cmp(&a.1));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut measured = format!(
        "{total:.2} s of CPU in {:.2} s: {:.2} cores' worth ({cores} core(s) here); the busiest threads: {}",
        w.wall,
        total / w.wall,
        busiest
            .iter()
            .take(3)
            .map(|(_, c)| format!("{c:.2} s"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if busiest.len() < 2 || busiest[1].1 < total / 3.0 {
        return fail(measured + "; one thread did the mixing");
    }
    let (a, b) = (busiest[0].0, busiest[1].0);
    let span = |tid: u32, total: f64| {
        let at = |share: f64| {
            w.samples
                .iter()
                .find(|(_, c)| c.get(&tid).copied().unwrap_or(0.0) >= share * total)
                .map_or(w.wall, |s| s.0)
        };
        (at(0.05), at(0.95))
    };
    let ((a0, a1), (b0, b1)) = (span(a, busiest[0].1), span(b, busiest[1].1));
    let together = (a1.min(b1) - a0.max(b0)).max(0.0);
    let shorter = (a1 - a0).min(b1 - b0).max(1e-3);
    measured += &format!(
        "; both mixing for {:.0}% of the shorter mix",
        100.0 * together / shorter
    );
    if together < 0.5 * shorter {
        return fail(measured + ": the two bakers took turns, one after the other");
    }
    let mixing = 0.9 * (busiest[0].1 + busiest[1].1) / (a1.max(b1) - a0.min(b0)).max(1e-3);
    measured += &format!("; {mixing:.2} cores' worth while mixing");
    // How many cores' worth two threads get is the machine's to give (1.0 at most on one
    // core, less when it is busy, as the check's own two threads show): printed, not judged.
    measured +=
        &format!(" (the check's own two threads, just after: {free:.2}, on {cores} core(s))");
    Verdict {
        measured,
        passed: true,
    }
}

/// This thread's CPU seconds so far.
fn thread_cpu_s() -> f64 {
    nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID
        .now()
        .map_or(0.0, |t| Duration::from(t).as_secs_f64())
}
