//! Cancelling in Rust is dropping: a future that is dropped stops at the `.await` it was
//! waiting at, runs only its synchronous `Drop` code, and never resumes. A timeout around
//! the future cancels it that way; a timeout around a task's JoinHandle drops only the
//! handle, and the task runs on (like Python's `shield`); `abort()` drops the task itself.
//!
//!     cargo run -p cancellation --example cancel_by_drop

use std::time::Duration;

/// Python's `finally:` in a coroutine; here the only code a dropped future still runs.
struct Cleanup(&'static str);

impl Drop for Cleanup {
    fn drop(&mut self) {
        println!("  {}: cleanup ran (Drop)", self.0); // synchronous: no `.await` in here
    }
}

async fn job(name: &'static str) {
    println!("  {name}: started");
    let _cleanup = Cleanup(name);
    tokio::time::sleep(Duration::from_millis(200)).await; // a cancelled job stops here
    println!("  {name}: finished");
}

fn main() -> std::io::Result<()> {
    end_quietly_on_closed_pipe();
    // asyncio.run: a runtime whose only thread is this one, with a timer.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    runtime.block_on(four_ways());
    Ok(())
}

async fn four_ways() {
    let limit = Duration::from_millis(50);

    println!("timeout around the future (asyncio.wait_for):");
    let result = tokio::time::timeout(limit, job("a")).await; // the future is dropped here
    println!("  timed out: {}", result.is_err());

    println!("timeout around a JoinHandle (asyncio.wait_for(shield(task))):");
    let task = tokio::spawn(job("b"));
    let result = tokio::time::timeout(limit, task).await; // drops the handle, not the task
    println!("  timed out: {}", result.is_err());
    tokio::time::sleep(Duration::from_millis(250)).await; // meanwhile "b" finishes

    println!("abort() (task.cancel()):");
    let task = tokio::spawn(job("c"));
    tokio::time::sleep(limit).await;
    task.abort(); // the runtime drops the task's future at its current `.await`
    println!(
        "  cancelled: {}",
        task.await.is_err_and(|e| e.is_cancelled())
    );

    println!("a future never awaited (a coroutine never awaited):");
    let never = job("d"); // futures are lazy: nothing has run yet
    drop(never); // and nothing ever will: "d" never starts
    println!("  dropped before its first poll");
}

/// `program | head` closes the pipe early, and the next `println!` then panics with
/// "Broken pipe". The reader is done, the program is not wrong: end quietly, status 0.
fn end_quietly_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.to_string().contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
