//! The checks of events' exercises: `make exercise NAME=...` builds the exercise and runs
//! this with the program's path. Each check runs the program and measures it.

mod checking;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use checking::{Exercise, Verdict, failed, run};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "events_lost_wakeup",
        question: "signalled at 100 ms, waiting from 200 ms (early), or the other way (late): which run ends?",
        goal: "both end by themselves: early in 180 to 600 ms, late in 280 to 700 ms (never before the signal)",
        hints: [
            "notify_waiters() wakes only tasks already waiting: in the early run nobody is, and the signal is lost",
            "notify_one() stores a permit when nobody waits yet; the next notified().await takes it at once",
        ],
        check: lost_wakeup,
    }])
}

/// Runs the program both ways and times each from outside: a lost signal hangs (stopped at
/// 3 s); a waiter that no longer waits ends before the late signal.
fn lost_wakeup(program: &Path) -> Verdict {
    let mut measured = Vec::new();
    let mut passed = true;
    for (way, low, high) in [("early", 180.0, 600.0), ("late", 280.0, 700.0)] {
        let run = run(program, &[way], Duration::from_secs(3));
        if let Some(why) = failed(&run) {
            measured.push(format!("{way}: {why}"));
            passed = false;
            continue;
        }
        let ms = run.elapsed.as_secs_f64() * 1e3;
        measured.push(format!("{way}: ended in {ms:.0} ms"));
        passed &= (low..high).contains(&ms);
    }
    Verdict {
        measured: measured.join("; "),
        passed,
    }
}
