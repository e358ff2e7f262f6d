//! The checks of io-bound's exercises: `make exercise NAME=...` builds the exercise and
//! runs this with the program's path. Each check runs the program and measures it.

mod checking;
#[path = "../src/server.rs"]
#[allow(dead_code)] // the check uses the server's counts, not all of it
mod server;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use checking::{Exercise, Verdict, failed, run};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "io_bound_fifty_at_once",
        question: "each reply takes 200 ms: how long do the fifty take, and how many are in progress at once?",
        goal: "all 50 in progress at once on the server (45 or more), on 1 OS thread (2 at most), in under 1 s",
        hints: [
            "a blocking call holds its thread until the reply is in: on one thread, only requests that .await can wait together",
            "make a current-thread tokio runtime, build the 50 reqwest `client.get(&url).send()` futures, and await them together with futures::future::join_all",
        ],
        check: fifty_at_once,
    }])
}

/// Starts a slow server of its own (200 ms per reply), passes its URL to the program, and
/// measures: the server's own count of requests in progress at once and of replies, the
/// program's wall time from outside, and its OS threads from /proc. Printing cannot fake
/// any of them; a program with a thread per request passes the count and the time but
/// not the threads, a sequential one fails all three.
fn fifty_at_once(program: &Path) -> Verdict {
    let latency = Duration::from_millis(200);
    let server = match server::Server::start(latency) {
        Ok(server) => server,
        Err(e) => {
            return Verdict {
                measured: format!("the check cannot start its server: {e}"),
                passed: false,
            };
        }
    };
    let run = run(program, &[&server.url()], Duration::from_secs(4));
    let (served, peak) = (server.served(), server.take_peak());
    let counts = format!("the server answered {served} of 50, at most {peak} in progress at once");
    if let Some(why) = failed(&run) {
        return Verdict {
            measured: format!("{why}; {counts}"),
            passed: false,
        };
    }
    let (secs, threads) = (run.elapsed.as_secs_f64(), run.peak_threads);
    let one_thread = threads <= 2 || cfg!(not(target_os = "linux"));
    Verdict {
        measured: format!("{secs:.2} s for the fifty; {counts}; at most {threads} OS thread(s)"),
        passed: served == 50 && peak >= 45 && one_thread && secs < 1.0,
    }
}
