//! The checks of multitasking's exercises: `make exercise NAME=...` builds the exercise and
//! runs this with the program's path. The check runs the program and measures it from
//! outside: it times each `tick` line itself as it arrives, reads the program's CPU time
//! (/proc/PID/schedstat) at each tick, counts its threads (/proc/PID/task) and checks the
//! work's result. Printing the right lines at the right moment without the work, or doing
//! the work before or after the ticks, does not pass.

mod checking;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use checking::{Exercise, Verdict};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "multitasking_yield",
        question: "a tick every 50 ms beside 60 chunks of work (~6 ms each), on one thread: how late is the worst tick?",
        goal: "12 ticks, none more than 60 ms late, the work right and under way while the ticks run (10% of its CPU or more between the first and last tick), on 1 thread",
        hints: [
            "the runtime switches tasks only at an .await that is not ready: busy() has none inside its loop",
            "tokio::task::yield_now().await after each chunk hands the thread back for a moment",
        ],
        check: yields,
    }])
}

/// The work the exercise does, done by the check for its answer.
fn expected_work() -> u64 {
    let mut x = 1u64;
    for c in 0..60u64 {
        for s in 0..std::hint::black_box(3_000_000u64) {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(s ^ c);
            x ^= x >> 29;
        }
    }
    x
}

/// CPU seconds process `pid` has had (all its threads), or None once it is gone.
fn cpu_of(pid: u32) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/schedstat")).ok()?;
    Some(text.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}

fn yields(program: &Path) -> Verdict {
    let fail = |measured: String| Verdict {
        measured,
        passed: false,
    };
    let start = Instant::now();
    let mut child = match Command::new(program)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return fail(format!("cannot start {}: {e}", program.display())),
    };
    let pid = child.id();
    let out = child.stdout.take().unwrap();
    let (lines, arrived) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = lines.send((start.elapsed().as_secs_f64(), cpu_of(pid), line));
        }
    });
    let (mut peak_threads, mut cpu_total) = (0, 0.0f64);
    let status = loop {
        let threads = std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, |d| d.count());
        peak_threads = peak_threads.max(threads);
        if let Some(cpu) = cpu_of(pid) {
            cpu_total = cpu_total.max(cpu);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            return fail("it was still running after 20 s and was stopped".into());
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    std::thread::sleep(Duration::from_millis(50)); // the last lines
    let got: Vec<(f64, Option<f64>, String)> = arrived.try_iter().collect();
    if !status.success() {
        return fail(format!("it exited with {:?}", status.code()));
    }
    let ticks: Vec<&(f64, Option<f64>, String)> =
        got.iter().filter(|l| l.2.starts_with("tick ")).collect();
    if ticks.len() != 12 {
        return fail(format!("{} tick lines, not 12", ticks.len()));
    }
    // Lateness as the check sees it: tick k is due 50 ms after tick k-1 (the first, 50 ms
    // after the start, which also counts the program's own start-up, a few ms).
    let mut worst: f64 = 0.0;
    let mut previous = 0.0;
    for (at, _, _) in &ticks {
        worst = worst.max(at - previous - 0.050);
        previous = *at;
    }
    let worst_ms = worst.max(0.0) * 1e3;
    let want = format!("work: {:016x}", expected_work());
    let work_right = got.iter().any(|l| l.2.trim() == want);
    let at = |t: &(f64, Option<f64>, String)| t.1.unwrap_or(cpu_total);
    let between = at(ticks[11]) - at(ticks[0]);
    let share = if cpu_total > 0.0 {
        between / cpu_total
    } else {
        0.0
    };
    let measured = format!(
        "worst tick {worst_ms:.0} ms late; {:.0}% of its {:.2} s of CPU between the first and last tick; work {}; {peak_threads} thread(s)",
        100.0 * share,
        cpu_total,
        if work_right {
            "right"
        } else {
            "wrong or missing"
        }
    );
    Verdict {
        measured,
        passed: worst_ms <= 60.0 && work_right && share >= 0.1 && peak_threads == 1,
    }
}
