//! The checks of queue-backpressure's exercises: `make exercise NAME=...` builds the
//! exercise and runs this with the program's path. Each check runs the program and
//! measures it.

mod checking;

use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use checking::{Exercise, Verdict};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "queue_backpressure_flat_memory",
        question: "300 items of 256 KiB, a consumer taking 1 ms each: how much memory at the peak?",
        goal: "every item consumed (the check's own checksum), at its 1 ms each, \
               with the peak memory under 24 MiB (300 items x 256 KiB is 75 MiB)",
        hints: [
            "an unbounded queue lets the producer run ahead: every item waits in memory",
            "mpsc::channel(8) holds at most 8; its send(...).await waits while they wait",
        ],
        check: flat_memory,
    }])
}

const ITEMS: usize = 300;
const KIB: usize = 256;
/// Peak memory allowed, in KiB. Measured here: about 3 MiB for the solution, 78 MiB as
/// shipped; 24 MiB leaves room for a larger capacity, not for all 300.
const PEAK_KIB: u64 = 24 * 1024;

/// Runs the program with a seed it cannot know beforehand, samples its peak resident
/// memory (VmHWM in /proc) and checks the checksum of what its consumer saw and that the
/// consumer took its 1 ms an item: items dropped, shrunk or skipped fail the checksum.
fn flat_memory(program: &Path) -> Verdict {
    let seed = (std::process::id() % 1000) as usize;
    let args = [ITEMS.to_string(), KIB.to_string(), seed.to_string()];
    let expected: usize = (0..ITEMS)
        .map(|i| KIB * 1024 + 2 * ((seed + i) % 255 + 1))
        .sum();
    let start = Instant::now();
    let spawned = Command::new(program)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = spawned else {
        return Verdict {
            measured: format!("cannot start {}", program.display()),
            passed: false,
        };
    };
    let (pid, mut peak_kib) = (child.id(), 0u64);
    let status = loop {
        peak_kib = peak_kib.max(high_water_kib(pid).unwrap_or(0));
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = start.elapsed();
    let mut stdout = String::new();
    let _ = child.stdout.take().unwrap().read_to_string(&mut stdout);
    if !status.is_some_and(|s| s.success()) {
        return Verdict {
            measured: "it failed or ran past 30 s".into(),
            passed: false,
        };
    }
    let figures = |key: &str| -> Option<usize> {
        let last = stdout.lines().last()?;
        let at = last.split_whitespace().collect::<Vec<_>>();
        let i = at.iter().position(|w| *w == key)?;
        at.get(i + 1)?.trim_end_matches(',').parse().ok()
    };
    let (taken, checksum) = (figures("consumed"), figures("checksum"));
    let all_there = taken == Some(ITEMS) && checksum == Some(expected);
    let slow = elapsed >= Duration::from_millis(ITEMS as u64);
    Verdict {
        measured: format!(
            "peak memory {:.1} MiB; {} of {ITEMS} items, checksum {}, in {:.2} s",
            peak_kib as f64 / 1024.0,
            taken.map_or("?".into(), |n| n.to_string()),
            if checksum == Some(expected) {
                "right"
            } else {
                "wrong"
            },
            elapsed.as_secs_f64()
        ),
        passed: all_there && slow && (peak_kib < PEAK_KIB || cfg!(not(target_os = "linux"))),
    }
}

/// The most memory the process has had resident so far (VmHWM), in KiB (Linux only).
fn high_water_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
