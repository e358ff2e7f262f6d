//! Four tasks that each wait 200 ms, on a runtime with ONE thread, three ways. A blocking
//! `std::thread::sleep` inside a task holds the thread, so the four waits add up (0.80 s);
//! `spawn_blocking` moves each wait to a thread of its own, and `tokio::time::sleep`
//! hands the thread back at `.await`: both take about 0.20 s.
//!
//!     cargo run -p blocking-in-async --example blocking_sleep

use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_millis(200);

async fn four_tasks(name: &str, task: fn() -> tokio::task::JoinHandle<()>) -> anyhow::Result<()> {
    let start = Instant::now();
    let handles: Vec<_> = (0..4).map(|_| task()).collect(); // asyncio.create_task, four times
    for handle in handles {
        handle.await?; // a JoinError (the task panicked) ends the program with it
    }
    println!("{name}: {:.2} s", start.elapsed().as_secs_f64());
    Ok(())
}

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    // asyncio.run: a runtime whose only thread is this one.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    runtime.block_on(async {
        // The mistake: the task never reaches an `.await` while it waits, so the one
        // thread runs nothing else, and the four sleeps run one after another.
        four_tasks("std::thread::sleep in a task", || {
            tokio::spawn(async { std::thread::sleep(WAIT) })
        })
        .await?;
        // asyncio.to_thread: each wait moves to a thread of tokio's blocking pool, and
        // its handle is awaited like a task's.
        four_tasks("spawn_blocking(std::thread::sleep)", || {
            tokio::task::spawn_blocking(|| std::thread::sleep(WAIT))
        })
        .await?;
        // asyncio.sleep: the timer wakes the task; the thread is free until then.
        four_tasks("tokio::time::sleep(..).await", || {
            tokio::spawn(tokio::time::sleep(WAIT))
        })
        .await
    })
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
