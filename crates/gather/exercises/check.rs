//! The checks of gather's exercises: `make exercise NAME=...` builds the exercise and runs
//! this with the program's path. Each check runs the program and measures it.

mod checking;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use checking::{Exercise, Verdict};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "gather_three_counts",
        question: "each count() sleeps one second: how long will the three take?",
        goal: "each Two when its own delay is up (the check gives 300, 900 and 600 ms), \
               the longest delay in all, on 1 OS thread",
        hints: [
            "std::thread::sleep holds the only thread: nothing else runs until it returns",
            "a sleep that hands the thread back is one you .await: tokio::time::sleep(delay).await",
        ],
        check: three_counts,
    }])
}

/// The delays the check passes, in ms, in the order the program starts the count()s.
const DELAYS: [u64; 3] = [300, 900, 600];
/// How late a line may come on a busy one-core machine (measured: under 10 ms when idle).
const LATE_MS: f64 = 200.0;

/// Times every line of the program from outside and counts its threads: gathered on one
/// thread, each Two comes at its own delay. Blocked, they come at the sums (300, 1200,
/// 1800); one sleep then three Twos puts all three at 900; threads fail the count.
fn three_counts(program: &Path) -> Verdict {
    let args: Vec<String> = DELAYS.iter().map(u64::to_string).collect();
    let run = timed_lines(program, &args, Duration::from_secs(10));
    if let Some(why) = &run.failed {
        return Verdict {
            measured: why.clone(),
            passed: false,
        };
    }
    let at = |word: &str| -> Vec<f64> {
        run.lines
            .iter()
            .filter(|(_, l)| l.trim() == word)
            .map(|(t, _)| *t)
            .collect()
    };
    let (ones, twos) = (at("One"), at("Two"));
    let mut due: Vec<f64> = DELAYS.iter().map(|&d| d as f64).collect();
    due.sort_by(f64::total_cmp);
    let on_time = twos.len() == 3
        && twos
            .iter()
            .zip(&due)
            .all(|(t, d)| *t >= d - 5.0 && *t <= d + LATE_MS);
    let ones_first = ones.len() == 3 && ones.iter().all(|o| twos.iter().all(|t| o < t));
    let twos_ms: Vec<String> = twos.iter().map(|t| format!("{t:.0}")).collect();
    let threads = run.peak_threads;
    Verdict {
        measured: format!(
            "the three took {:.2} s; Two at {} ms for delays of 300, 600 and 900 ms; \
             at most {threads} OS thread(s) at once",
            run.elapsed.as_secs_f64(),
            if twos_ms.is_empty() {
                "none".into()
            } else {
                twos_ms.join(", ")
            }
        ),
        passed: on_time && ones_first && (threads == 1 || cfg!(not(target_os = "linux"))),
    }
}

struct TimedRun {
    /// Each line of stdout, with when it arrived (ms after the start).
    lines: Vec<(f64, String)>,
    elapsed: Duration,
    peak_threads: usize,
    failed: Option<String>,
}

/// Runs `program`, noting when each line arrives and sampling its thread count every 2 ms.
fn timed_lines(program: &Path, args: &[String], limit: Duration) -> TimedRun {
    let start = Instant::now();
    let spawned = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            let failed = Some(format!("cannot start {}: {e}", program.display()));
            return TimedRun {
                lines: vec![],
                elapsed: Duration::ZERO,
                peak_threads: 0,
                failed,
            };
        }
    };
    let out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let lines = BufReader::new(out).lines().map_while(Result::ok);
        lines
            .map(|l| (start.elapsed().as_secs_f64() * 1e3, l))
            .collect::<Vec<_>>()
    });
    let (mut peak_threads, mut failed) = (0, None);
    let pid = child.id();
    let status = loop {
        let threads = std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, |d| d.count());
        peak_threads = peak_threads.max(threads);
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            failed = Some(format!(
                "it was still running after {} s and was stopped",
                limit.as_secs()
            ));
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = start.elapsed();
    if let Some(status) = status.filter(|s| !s.success()) {
        let mut err = String::new();
        let _ = std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err);
        failed = Some(format!(
            "it exited with {:?}: {}",
            status.code(),
            err.lines().last().unwrap_or("").trim()
        ));
    }
    TimedRun {
        lines: reader.join().unwrap(),
        elapsed,
        peak_threads,
        failed,
    }
}
