//! A solution to `shared_state_guard_across_await`: the guard lives only as long as the
//! update, a statement of its own that ends before the `.await`. The future holds no
//! guard across the await, so it is `Send` and tokio::spawn takes it; the N waits overlap.
//! (tokio's Mutex, held across the await, also compiles and counts right, but then the
//! tasks wait for one another: N delays, not one.)

use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn add_one(counter: Arc<Mutex<u64>>, delay: Duration) {
    *counter.lock().unwrap() += 1; // the guard is dropped at the end of this statement
    tokio::time::sleep(delay).await; // no guard alive here: the waits overlap
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
