//! Your turn: a task that never gives the loop back.
//!
//! Predict first: on ONE thread, a heartbeat task should beat every 50 ms, ten times,
//! while another task crunches 80 steps of about 10 ms of CPU work. How late is the first beat?
//!
//! Then make the heartbeat beat on time (no gap over 250 ms between beats), still on ONE
//! thread and still doing all the work: a loop runs another task only when the running one
//! reaches an `.await` that returns Pending, and a spinning loop never does. Check it:
//! `make exercise NAME=event_loop_busy_task` (it times each line as it arrives, reads the
//! process's CPU time and threads in /proc). Run it as it is:
//! `cargo run -p event-loop --example event_loop_busy_task`.

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
            let _ = crunch_step(); // the thread is busy here: no other task can run meanwhile
            println!("crunch step {step} done");
        }
    });
    crunch.await.expect("the crunch task panicked");
    heartbeat.await.expect("the heartbeat task panicked");
}
