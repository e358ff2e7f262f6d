//! A solution to `event_loop_busy_task`: the crunch hands the thread back to the loop
//! after every step, so the loop can run the heartbeat whenever its timer is due.

use std::time::{Duration, Instant};

/// One step of the crunch: ten million multiply-adds, about 10 ms of CPU (built with
/// --release, as the check builds it). It computes; it does not sleep.
fn crunch_step() -> u64 {
    let mut x = 1u64;
    for _ in 0..10_000_000 {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
    x
}

#[tokio::main(flavor = "current_thread")] // one thread: the loop and every task on it
async fn main() {
    let start = Instant::now();
    let heartbeat = tokio::spawn(async move {
        for beat in 1..=10 {
            tokio::time::sleep(Duration::from_millis(50)).await; // parked: the loop is free
            println!(
                "beat {beat} at {:.0} ms",
                start.elapsed().as_secs_f64() * 1e3
            );
        }
    });
    let crunch = tokio::spawn(async move {
        for step in 1..=80 {
            let _ = crunch_step(); // 10 ms with the thread busy...
            println!("crunch step {step} done");
            tokio::task::yield_now().await; // ...then Pending once: the loop runs who is ready
        }
    });
    crunch.await.expect("the crunch task panicked");
    heartbeat.await.expect("the heartbeat task panicked");
}
