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

async fn main_async() -> Result<(), tokio::task::JoinError> {
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    end_quietly_on_closed_pipe();
    // One thread, as asyncio.run gives: the race needs no parallelism at all.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    Ok(runtime.block_on(main_async())?)
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
