//! The checks of io-vs-cpu's exercises: `make exercise NAME=...` builds the exercise and
//! runs this with the program's path. Each check runs the program and measures it.

mod checking;
#[path = "../src/server.rs"]
mod server;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use checking::{Exercise, Verdict, failed, run};
use nix::sys::resource::{UsageWho, getrusage};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "io_vs_cpu_fill_the_wait",
        question: "the fetch waits 2 s and the counting takes about 0.3 s of CPU: how long does the program take?",
        goal: "both jobs done (the server answered, the CPU time spent), the counting inside the fetch's wait: about 2.0 s in all, not 2.3",
        hints: [
            "while a thread waits for its reply it uses no CPU: the counting can run at the same time, on another thread",
            "start the counting with std::thread::spawn before the fetch, fetch on the main thread, then join() the handle for its count",
        ],
        check: fill_the_wait,
    }])
}

/// The exercise's CPU job, for the check to know its result and its cost on this machine.
fn count_primes(n: u64) -> usize {
    let is_prime = |k: u64| {
        k >= 2
            && (2..)
                .take_while(|d| d * d <= k)
                .all(|d| !k.is_multiple_of(d))
    };
    (0..n).filter(|&k| is_prime(k)).count()
}

/// CPU time (user + system) of `who`, from the kernel: this thread, or this process's
/// children that have ended.
fn cpu_of(who: UsageWho) -> Duration {
    getrusage(who).map_or(Duration::ZERO, |u| {
        let (user, sys) = (u.user_time(), u.system_time());
        let micros = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
        Duration::from_secs_f64(micros(user) + micros(sys))
    })
}

/// Starts a slow server of its own (2 s per reply), passes its URL to the program, and
/// measures: the server's count of replies, the program's wall time from outside, and its
/// CPU time from the kernel (getrusage of the reaped child). A program that skips the
/// counting has no CPU time to show; one that counts after the fetch (or joins its thread
/// before fetching) takes the sum of the two, not the longer one.
fn fill_the_wait(program: &Path) -> Verdict {
    let latency = Duration::from_secs(2);
    let server = match server::Server::start(latency) {
        Ok(server) => server,
        Err(e) => {
            return Verdict {
                measured: format!("the check cannot start its server: {e}"),
                passed: false,
            };
        }
    };
    // The counting's CPU cost on this machine, the yardstick (CPU time: load cannot inflate it).
    let started = cpu_of(UsageWho::RUSAGE_THREAD);
    let expected = count_primes(2_000_000);
    let counting = (cpu_of(UsageWho::RUSAGE_THREAD).saturating_sub(started)).as_secs_f64();
    let before = cpu_of(UsageWho::RUSAGE_CHILDREN);
    let run = run(program, &[&server.url()], Duration::from_secs(8));
    let cpu = (cpu_of(UsageWho::RUSAGE_CHILDREN).saturating_sub(before)).as_secs_f64();
    let served = server.served();
    if let Some(why) = failed(&run) {
        return Verdict {
            measured: format!("{why}; the server answered {served}"),
            passed: false,
        };
    }
    let (wall, wait) = (run.elapsed.as_secs_f64(), latency.as_secs_f64());
    let saved = wait + cpu - wall;
    let counted = run.stdout.contains(&format!("{expected} primes"));
    Verdict {
        measured: format!(
            "{wall:.2} s in all, {cpu:.2} s of it CPU (the counting alone takes {counting:.2} s \
             here), the server answered {served}; the overlap saved {saved:.2} s"
        ),
        // One after another, the wall time is at least the wait plus the CPU time: nothing
        // saved, whatever the load. Overlapped, the counting hides in the wait: its CPU
        // time is saved, and half of it must be, even when load slows the counting 6x.
        passed: served >= 1 && counted && cpu >= 0.5 * counting && saved >= 0.5 * cpu,
    }
}
