//! The GIL in miniature: the same count-down on one thread, on two threads, and on two
//! threads that must hold one global lock while they count, handing it on every slice,
//! as CPython's threads hand on the GIL. Without the lock the two threads count at the
//! same time; with it, never: at most one thread is ever counting.
//!
//!     cargo run --release -p gil --example gilcountdown
//!     cargo run --release -p gil --example gilcountdown -- 1000000000     (more steps)

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::Instant;

use anyhow::Context;

const STEPS: u64 = 200_000_000; // about half a second in all, in a release build
const SLICE: u64 = 200_000; // steps per turn, like CPython's switch interval

static GIL: Mutex<()> = Mutex::new(()); // one lock for the whole "interpreter"
static COUNTING: AtomicUsize = AtomicUsize::new(0); // threads counting right now
static MOST_AT_ONCE: AtomicUsize = AtomicUsize::new(0);

/// Counts `steps` down, a slice at a time, mixing each step into a result.
fn count_down(mut steps: u64, with_gil: bool) -> u64 {
    let mut result = 0u64;
    while steps > 0 {
        // No bytecode without the GIL: take it for one slice...
        let held = with_gil.then(|| GIL.lock().unwrap_or_else(PoisonError::into_inner));
        let now = COUNTING.fetch_add(1, SeqCst) + 1;
        MOST_AT_ONCE.fetch_max(now, SeqCst);
        for _ in 0..SLICE.min(steps) {
            result = result
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(steps);
            steps -= 1;
        }
        COUNTING.fetch_sub(1, SeqCst);
        drop(held); // ...then hand it on, and queue for it again
    }
    result
}

/// Shares `steps` among `threads` threads and reports the time and the most that counted
/// at once.
fn run(label: &str, steps: u64, threads: u64, with_gil: bool) {
    MOST_AT_ONCE.store(0, SeqCst);
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..threads {
            // black_box: the result is unused, but the counting must really happen.
            s.spawn(move || std::hint::black_box(count_down(steps / threads, with_gil)));
        }
    }); // the scope joins every thread
    let (secs, most) = (start.elapsed().as_secs_f64(), MOST_AT_ONCE.load(SeqCst));
    println!("{label:<28} {secs:.2} s, at most {most} thread(s) counting at once");
}

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    let steps = match std::env::args().nth(1) {
        Some(text) => text.parse().context("the steps must be a whole number")?,
        None => STEPS,
    };
    run("1 thread", steps, 1, false);
    run("2 threads, no lock", steps, 2, false); // both count at once, on two cores
    run("2 threads, one global lock", steps, 2, true); // they take turns: no faster
    Ok(())
}

// ANCHOR: output-hook
/// Output that cannot be written ends the program: quietly when the reader closed the pipe
/// (`program | head`), with one `error:` line and status 1 otherwise (a full disk).
fn exit_when_output_fails() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.to_string();
        let Some((_, why)) = message.split_once("failed printing to stdout: ") else {
            return default_hook(info);
        };
        if why.contains("Broken pipe") {
            std::process::exit(0);
        }
        let why = why.split(" (os error").next().unwrap_or(why);
        eprintln!("error: cannot write the output ({why}); free some space or write elsewhere");
        std::process::exit(1);
    }));
}
// ANCHOR_END: output-hook
