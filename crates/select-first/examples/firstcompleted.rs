//! asyncio.wait(FIRST_COMPLETED) and as_completed in Rust. `select!` waits for the first of
//! three sleeps (100, 200, 300 ms) and DROPS the other two: their cleanup runs at once and
//! they never finish. A JoinSet hands results back in the order they complete.
//!
//!     cargo run -p select-first --example firstcompleted

use std::time::{Duration, Instant};

/// Prints when a nap ends, finished or not: Python's `finally:`.
struct Cleanup(u64);

impl Drop for Cleanup {
    fn drop(&mut self) {
        println!("{} ms cleaned up", self.0);
    }
}

async fn nap(ms: u64) -> u64 {
    let _cleanup = Cleanup(ms); // dropped however this future ends: finished or dropped
    tokio::time::sleep(Duration::from_millis(ms)).await; // a dropped nap stops here for good
    println!("{ms} ms finished");
    ms
}

async fn first_completed() {
    let start = Instant::now();
    // The first branch to finish wins; select! drops the other two futures before its
    // handler runs. Nothing keeps them going: no task, no `pending` set to cancel.
    let first = tokio::select! {
        biased; // poll in the order written: if the thread wakes late, the shortest still wins
        ms = nap(100) => ms,
        ms = nap(200) => ms,
        ms = nap(300) => ms,
    };
    let elapsed = start.elapsed().as_secs_f64();
    println!("first: {first} ms after {elapsed:.2} s");
}

async fn as_completed() -> Result<(), tokio::task::JoinError> {
    let start = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for ms in [300, 100, 200] {
        // Each sleep becomes a task of its own, running from now on.
        set.spawn(async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            ms
        });
    }
    // join_next: whichever task is done next, in completion order, not spawn order.
    while let Some(ms) = set.join_next().await {
        let ms = ms?; // a JoinError if the task panicked
        let elapsed = start.elapsed().as_secs_f64();
        println!("completed: {ms} ms after {elapsed:.2} s");
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    // asyncio.run: a runtime on this one thread, with a timer.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    runtime.block_on(first_completed());
    runtime.block_on(as_completed())?;
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
