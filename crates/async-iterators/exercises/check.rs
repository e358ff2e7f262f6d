//! The checks of async-iterators's exercises: `make exercise NAME=...` builds the exercise and
//! runs this with the program's path. Each check runs the program and measures it.

mod checking;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use checking::{Exercise, Verdict, failed, run};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "async_iterators_two_sleeps",
        question: "each sleep is 200 ms: how long does the program take?",
        goal: "between 200 and 300 ms, with the sleeps on two threads",
        hints: [
            "a sleep holds only the thread that calls it: give the second sleep another thread",
            "std::thread::spawn(|| ...) starts it; keep the JoinHandle and join() it at the end",
        ],
        check: two_sleeps,
    }])
}

/// Times the whole process and counts its threads: a program that sleeps once cannot pass
/// (one thread), nor one that sleeps twice in turn (400 ms).
fn two_sleeps(program: &Path) -> Verdict {
    let run = run(program, &[], Duration::from_secs(10));
    if let Some(why) = failed(&run) {
        return Verdict {
            measured: why,
            passed: false,
        };
    }
    let ms = run.elapsed.as_secs_f64() * 1e3;
    let threads = run.peak_threads;
    Verdict {
        measured: format!("{ms:.0} ms, with at most {threads} thread(s) at once"),
        passed: (200.0..300.0).contains(&ms) && (threads >= 2 || cfg!(not(target_os = "linux"))),
    }
}
