//! The checks of async-iterators's exercises: `make exercise NAME=...` builds the exercise and
//! runs this with the program's path. Each check runs the program and measures it.

mod checking;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use checking::{Exercise, Verdict, failed, run};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "async_iterators_pile_up",
        question: "300 records of 256 KiB into an unbounded channel, a consumer at 1 ms each: what is the peak memory?",
        goal: "peak memory under 24 MiB (the pile-up is about 75 MiB), taking at least 250 ms (every record consumed at the consumer's pace)",
        hints: [
            "an unbounded send never waits: the producer makes all 300 before the consumer has taken a few",
            "stream::unfold(0, |i| async move { (i < RECORDS).then(|| (record(i), i + 1)) }) makes a record only when pulled; a bounded mpsc::channel(4) also works",
        ],
        check: pile_up,
    }])
}

/// Runs the program once more and reads its peak resident memory (VmHWM, the high-water
/// mark the kernel keeps) every 2 ms while it runs, in MiB; None where /proc is missing.
/// (getrusage's children's maximum is no good here: it counts what ran before this checker
/// was exec'd, cargo included.)
fn peak_mib(program: &Path) -> Option<f64> {
    let mut child = std::process::Command::new(program)
        .stdout(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let status = format!("/proc/{}/status", child.id());
    let (mut peak, start) = (None, std::time::Instant::now());
    while child.try_wait().ok()?.is_none() {
        let kib = std::fs::read_to_string(&status).ok().and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("VmHWM:")?
                    .trim()
                    .strip_suffix("kB")?
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
        });
        peak = kib.map(|k| k / 1024.0).or(peak);
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    peak
}

/// Runs the program, then reads its peak memory and its time from outside: a pile-up is
/// tens of MiB; a program that skips the work ends too soon.
fn pile_up(program: &Path) -> Verdict {
    let run = run(program, &[], Duration::from_secs(20));
    if let Some(why) = failed(&run) {
        return Verdict {
            measured: why,
            passed: false,
        };
    }
    let ms = run.elapsed.as_secs_f64() * 1e3;
    let Some(peak) = peak_mib(program) else {
        return Verdict {
            measured: format!("cannot read the program's peak memory (/proc), in {ms:.0} ms"),
            passed: false,
        };
    };
    Verdict {
        measured: format!("peak memory {peak:.1} MiB, in {ms:.0} ms"),
        passed: peak < 24.0 && ms >= 250.0,
    }
}
