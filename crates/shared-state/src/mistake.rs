// The mistake: a std::sync::MutexGuard held across an `.await` in a spawned task.
// It does not compile, and that is the point: `cargo test` proves it (src/lib.rs).
use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn increment(counter: Arc<Mutex<u64>>) {
    let mut value = counter.lock().unwrap(); // a std guard: it must stay on its thread
    tokio::time::sleep(Duration::from_millis(1)).await; // ...but here the task may move
    *value += 1;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let counter = Arc::new(Mutex::new(0));
    runtime.block_on(async {
        // tokio::spawn needs a future that can be sent to another thread.
        tokio::spawn(increment(Arc::clone(&counter))).await.unwrap();
    });
}
