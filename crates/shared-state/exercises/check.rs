//! The checks of shared-state's exercises: `make exercise NAME=...` builds the exercise
//! and runs this with the program's path. Each check runs the program and measures it.

mod checking;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use checking::{Exercise, Verdict, failed, run};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "shared_state_guard_across_await",
        question: "will it compile? If it ran, what would the counter end at, and how long would it take?",
        goal: "the counter ends at the N the check passes, in one to two delays (the waits overlap)",
        hints: [
            "a std MutexGuard must not be alive at an .await in a spawned task: end it before the await",
            "do the update in one statement, *counter.lock().unwrap() += 1;, then await the delay",
        ],
        check: guard_across_await,
    }])
}

/// The delay the check passes, in ms: the tasks must take at least one and under two.
const DELAY_MS: u64 = 200;

/// Passes a count of tasks the program cannot know beforehand, reads the counter back and
/// times the process from outside. A lost update ends below N; a lock held across the
/// await takes N delays; printing N without waiting takes less than one delay.
fn guard_across_await(program: &Path) -> Verdict {
    let tasks = 20 + std::process::id() % 30; // 20 to 49, new each run
    let args = [tasks.to_string(), DELAY_MS.to_string()];
    let run = run(program, &[&args[0], &args[1]], Duration::from_secs(30));
    if let Some(why) = failed(&run) {
        return Verdict {
            measured: why,
            passed: false,
        };
    }
    let counter: Option<u64> = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("counter: "))
        .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .next_back();
    let ms = run.elapsed.as_secs_f64() * 1e3;
    let delay = DELAY_MS as f64;
    Verdict {
        measured: format!(
            "counter {} for {tasks} tasks, in {ms:.0} ms ({:.1} delays of {DELAY_MS} ms)",
            counter.map_or("not printed".into(), |c| c.to_string()),
            ms / delay
        ),
        passed: counter == Some(u64::from(tasks)) && ms >= delay && ms < 2.0 * delay,
    }
}
