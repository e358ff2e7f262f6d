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

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
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
