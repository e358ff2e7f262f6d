// The fix: the same program with tokio's Mutex, whose guard may be held across an
// `.await` (its lock() is itself awaited). This one compiles and runs (src/lib.rs).
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

async fn increment(counter: Arc<Mutex<u64>>) {
    let mut value = counter.lock().await; // a tokio guard: it may travel with the task
    tokio::time::sleep(Duration::from_millis(1)).await;
    *value += 1;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let counter = Arc::new(Mutex::new(0));
    runtime.block_on(async {
        tokio::spawn(increment(Arc::clone(&counter))).await.unwrap();
    });
    assert_eq!(*counter.blocking_lock(), 1);
}
