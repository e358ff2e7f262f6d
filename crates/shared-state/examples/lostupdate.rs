//! Fowler's lost-update program (Python Concurrency with asyncio, chapter 11) in Rust:
//! 100 tasks on ONE thread each read a counter, sleep 10 ms, and write back what they
//! read plus one. No threads, no parallelism, and still the updates are lost: at the
//! `.await` the other tasks run and read the same old value. Then the same with a tokio
//! Mutex held across the `.await`, which makes the read-await-write one step.
//!
//!     cargo run -p shared-state --example lostupdate

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::time::Duration;

use tokio::sync::Mutex;

async fn increment(counter: Arc<AtomicU64>) {
    let temp_counter = counter.load(SeqCst) + 1; // read
    tokio::time::sleep(Duration::from_millis(10)).await; // every other task reads here
    counter.store(temp_counter, SeqCst); // write: overwrites the others' updates
}

async fn increment_locked(counter: Arc<Mutex<u64>>) {
    let mut value = counter.lock().await; // the others wait here until we are done
    let temp_counter = *value + 1;
    tokio::time::sleep(Duration::from_millis(10)).await; // still holding the lock
    *value = temp_counter;
}

async fn main_async() -> anyhow::Result<()> {
    let counter = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..100)
        .map(|_| tokio::spawn(increment(Arc::clone(&counter))))
        .collect();
    for task in tasks {
        task.await?;
    }
    println!("Counter should be 100, was {}", counter.load(SeqCst));

    let counter = Arc::new(Mutex::new(0));
    let tasks: Vec<_> = (0..100)
        .map(|_| tokio::spawn(increment_locked(Arc::clone(&counter))))
        .collect();
    for task in tasks {
        task.await?;
    }
    println!(
        "With a lock held across the await: counter should be 100, was {}",
        *counter.lock().await
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    // One thread, as asyncio.run gives: the race needs no parallelism at all.
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
