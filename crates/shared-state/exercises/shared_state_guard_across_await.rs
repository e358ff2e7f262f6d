//! Your turn: N tasks on one thread each add one to a counter behind a std Mutex, and
//! await a delay while they hold its guard.
//!
//! Predict first: will this compile? And if it ran, what would the counter end at, and
//! how long would the N tasks take?
//!
//! Then make it compile and count right: the counter must end at N, and the N tasks must
//! take less than two delays (their waits overlap). Check it:
//! `make exercise NAME=shared_state_guard_across_await` (it passes N and the delay, reads
//! the counter back and times the program). Run it:
//! `cargo run -p shared-state --features unfinished --example shared_state_guard_across_await -- 30 200`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn add_one(counter: Arc<Mutex<u64>>, delay: Duration) {
    let mut value = counter.lock().unwrap();
    tokio::time::sleep(delay).await; // the guard is still alive here
    *value += 1;
}

fn main() {
    // Arguments: how many tasks, and each one's delay in ms (default 100 tasks, 10 ms).
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a number"))
        .collect();
    let tasks = args.first().copied().unwrap_or(100);
    let delay = Duration::from_millis(args.get(1).copied().unwrap_or(10));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    let counter = Arc::new(Mutex::new(0));
    runtime.block_on(async {
        // tokio::spawn: each task may move to another thread at any .await.
        let handles: Vec<_> = (0..tasks)
            .map(|_| tokio::spawn(add_one(Arc::clone(&counter), delay)))
            .collect();
        for handle in handles {
            handle.await.expect("a task failed");
        }
    });
    println!("counter: {} (expected {tasks})", counter.lock().unwrap());
}
