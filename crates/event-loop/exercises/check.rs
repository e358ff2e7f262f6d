//! The checks of event-loop's exercises: `make exercise NAME=...` builds the exercise and
//! runs this with the program's path. Each check runs the program and measures it.

mod checking;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use checking::{Exercise, Run, Verdict, failed};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "event_loop_busy_task",
        question: "the heartbeat should beat every 50 ms while the crunch works 80 x 10 ms, on \
                   ONE thread: how late is the first beat?",
        goal: "10 beats, none more than 250 ms after the one before (or the start), on ONE \
               thread, with the crunch's CPU work still done",
        hints: [
            "the loop can switch tasks only at an .await that returns Pending, and the crunch \
             never awaits between its steps",
            "after each crunch_step(), hand the thread back for a moment: \
             tokio::task::yield_now().await",
        ],
        check: busy_task,
    }])
}

/// The most a beat may come after the one before it (the first: after the start). On time
/// they are 50 ms apart; behind the whole crunch, the first comes after 800 ms here.
const MOST_GAP_MS: f64 = 250.0;
/// The crunch is about 800 ms of CPU here (80 steps of ten million multiply-adds): at
/// least this much shows it was done, on a machine up to four times faster (a sleep in
/// place of the work uses none).
const LEAST_CPU_MS: f64 = 200.0;

/// Runs the program, timestamps each beat as its line arrives (the program's own numbers
/// are not read), and reads its CPU time and threads from /proc while it runs.
fn busy_task(program: &Path) -> Verdict {
    let (run, lines, cpu_ms) = run_timed(program, Duration::from_secs(10));
    if let Some(why) = failed(&run) {
        return Verdict {
            measured: why,
            passed: false,
        };
    }
    let beats: Vec<f64> = lines
        .iter()
        .filter(|(_, line)| line.starts_with("beat "))
        .map(|(at, _)| at.as_secs_f64() * 1e3)
        .collect();
    let mut gaps = Vec::new();
    let mut previous = 0.0;
    for &at in &beats {
        gaps.push(at - previous);
        previous = at;
    }
    let worst = gaps.iter().copied().fold(0.0, f64::max);
    let first = beats.first().copied().unwrap_or(f64::NAN);
    let threads = run.peak_threads;
    let linux = cfg!(target_os = "linux");
    Verdict {
        measured: format!(
            "{} beats, the first at {first:.0} ms, the worst gap {worst:.0} ms; {cpu_ms:.0} ms \
             of CPU, at most {threads} thread(s)",
            beats.len()
        ),
        passed: beats.len() == 10
            && worst < MOST_GAP_MS
            && (!linux || (threads == 1 && cpu_ms >= LEAST_CPU_MS)),
    }
}

/// Like `checking::run`, and also: each stdout line with the moment it arrived (from the
/// start), and the CPU time the process had used when last seen (Linux; 0 elsewhere).
fn run_timed(program: &Path, limit: Duration) -> (Run, Vec<(Duration, String)>, f64) {
    let start = Instant::now();
    let mut child = match Command::new(program)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            return (
                checking::run(program, &[], limit),
                vec![(start.elapsed(), e.to_string())],
                0.0,
            );
        }
    };
    let pid = child.id();
    let out = BufReader::new(child.stdout.take().unwrap());
    let lines = thread::spawn(move || {
        out.lines()
            .map_while(Result::ok)
            .map(|line| (start.elapsed(), line))
            .collect::<Vec<_>>()
    });
    let mut err = child.stderr.take().unwrap();
    let errors = thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    let (mut peak_threads, mut cpu_ms, mut timed_out) = (0, 0.0, false);
    let status = loop {
        let task = std::fs::read_dir(format!("/proc/{pid}/task"));
        peak_threads = task.map_or(peak_threads, |d| peak_threads.max(d.count()));
        cpu_ms = cpu_ms_of(pid).unwrap_or(cpu_ms);
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            timed_out = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        thread::sleep(Duration::from_millis(2));
    };
    let elapsed = start.elapsed();
    let lines = lines.join().unwrap();
    let stdout = lines.iter().map(|(_, l)| format!("{l}\n")).collect();
    let run = Run {
        exit_code: status.code(),
        stdout,
        stderr: errors.join().unwrap(),
        elapsed,
        peak_threads,
        left_behind: 0,
        timed_out,
    };
    (run, lines, cpu_ms)
}

/// User + system CPU time of process `pid`, in ms, from /proc/PID/stat (in clock ticks of
/// 10 ms: Linux reports USER_HZ = 100 whatever the kernel's own tick).
fn cpu_ms_of(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // After the name: state is field 3, utime field 14, stime field 15 (1-based).
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 * 10.0)
}
