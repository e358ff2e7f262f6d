//! A thousand "requests", ten at a time: the permit is taken before each task is spawned
//! and given back when the task drops it. A counter plays the server and remembers the
//! most requests it saw in progress at once: never more than ten, and exactly ten.
//!
//!     cargo run -p semaphore --example tenatatime

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

static IN_PROGRESS: AtomicUsize = AtomicUsize::new(0);
static MOST_AT_ONCE: AtomicUsize = AtomicUsize::new(0);

/// A request that takes 10 ms at the "server", which counts it while it is in progress.
async fn request() {
    let now = IN_PROGRESS.fetch_add(1, SeqCst) + 1;
    MOST_AT_ONCE.fetch_max(now, SeqCst);
    tokio::time::sleep(Duration::from_millis(10)).await; // hands the thread to the others
    IN_PROGRESS.fetch_sub(1, SeqCst);
}

async fn main_async() -> anyhow::Result<()> {
    println!("1000 requests, 10 at a time, each 10 ms at the server");
    let start = Instant::now();
    let semaphore = Arc::new(Semaphore::new(10)); // asyncio.Semaphore(10)
    let mut tasks = Vec::new();
    for _ in 0..1000 {
        // Waits here while ten are out: the eleventh task is not even spawned yet.
        let permit = Arc::clone(&semaphore).acquire_owned().await?;
        tasks.push(tokio::spawn(async move {
            request().await;
            drop(permit); // released exactly once, when dropped: no release() to forget
        }));
    }
    for task in tasks {
        task.await?;
    }
    println!(
        "1000 requests, at most {} in progress at once",
        MOST_AT_ONCE.load(SeqCst)
    );
    println!(
        "took {:.2} s (1000 / 10 x 10 ms = 1.00 s)",
        start.elapsed().as_secs_f64()
    );
    println!(
        "permits available afterwards: {}",
        semaphore.available_permits()
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    // One thread and a timer, as asyncio.run gives.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    runtime.block_on(main_async())
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
