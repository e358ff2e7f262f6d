//! The checks of semaphore's exercises: `make exercise NAME=...` builds the exercise and
//! runs this with the program's path. Each check runs the program and measures it.

mod checking;
#[path = "../src/gauge.rs"]
#[allow(dead_code)]
mod gauge;
#[path = "../src/server.rs"]
#[allow(dead_code)]
mod server;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use checking::{Exercise, Verdict, failed, run};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "semaphore_ten_at_a_time",
        question: "each reply takes 100 ms: how many of the 100 requests are in progress at once, and how long do they take?",
        goal: "the server counts at most 10 in progress at once (and 8 or more), all 100 answered, in under 2 s (10 rounds of 100 ms)",
        hints: [
            "something must make the 11th request wait until one of the first 10 is answered: tokio::sync::Semaphore::new(10)",
            "take a permit with Arc::clone(&semaphore).acquire_owned().await BEFORE tokio::spawn, and move it into the task; `let _ = ...` drops it at once",
        ],
        check: ten_at_a_time,
    }])
}

/// Counts the requests the server takes in.
struct Arrivals(AtomicUsize);

impl gauge::Watch for Arrivals {
    fn entered(&self, _now: usize) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst);
        0
    }
    fn left(&self, _: usize, _: usize) {}
}

/// Starts a slow server of its own (100 ms per reply) that counts the requests it has in
/// progress at once and how many it took in, passes its URL to the program, and times the
/// program from outside. A program that sends none, or sends them one by one (10 s), or
/// all at once (100 in progress), fails; so does a permit dropped as soon as it is taken.
fn ten_at_a_time(program: &Path) -> Verdict {
    let arrivals = Arc::new(Arrivals(AtomicUsize::new(0)));
    let in_progress = gauge::Gauge::watched(arrivals.clone());
    let server = match server::Server::start(Duration::from_millis(100), in_progress) {
        Ok(server) => server,
        Err(e) => {
            return Verdict {
                measured: format!("the check cannot start its server: {e}"),
                passed: false,
            };
        }
    };
    let url = format!("http://{}/", server.addr());
    let run = run(program, &[&url], Duration::from_secs(6));
    let (taken, peak) = (arrivals.0.load(Ordering::SeqCst), server.take_peak());
    let counts = format!("the server took in {taken} of 100, at most {peak} in progress at once");
    if let Some(why) = failed(&run) {
        return Verdict {
            measured: format!("{why}; {counts}"),
            passed: false,
        };
    }
    let secs = run.elapsed.as_secs_f64();
    Verdict {
        measured: format!("{secs:.2} s for the hundred; {counts}"),
        passed: taken == 100 && (8..=10).contains(&peak) && secs < 2.0,
    }
}
