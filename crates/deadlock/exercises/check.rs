//! The checks of deadlock's exercises: `make exercise NAME=...` builds the exercise and
//! runs this with the program's path. Each check runs the program and measures it.

mod checking;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use checking::{Exercise, Verdict, failed, run};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "deadlock_lock_order",
        question: "each round holds one lock 20 ms, then both 20 ms: how long do the five rounds of two threads take?",
        goal: "it ends by itself, status 0, in 350 to 900 ms (ten rounds of 40 ms, one thread at a time), with both threads",
        hints: [
            "thread 2 takes B then A while thread 1 takes A then B: each can hold what the other waits for",
            "take the locks in one order everywhere: give both threads (&a, &b)",
        ],
        check: lock_order,
    }])
}

/// Times the whole process from outside and counts its threads. A program that hangs is
/// stopped at 5 s; one that drops a lock runs the rounds side by side (about 200 ms); one
/// that drops the threads has one; one that gives up early ends too soon.
fn lock_order(program: &Path) -> Verdict {
    let run = run(program, &[], Duration::from_secs(5));
    if let Some(why) = failed(&run) {
        return Verdict {
            measured: why,
            passed: false,
        };
    }
    let ms = run.elapsed.as_secs_f64() * 1e3;
    let threads = run.peak_threads;
    Verdict {
        measured: format!("it ended in {ms:.0} ms, with at most {threads} thread(s) at once"),
        passed: (350.0..900.0).contains(&ms) && (threads >= 3 || cfg!(not(target_os = "linux"))),
    }
}
