//! Your turn: workers with names.
//!
//! Predict first: the program runs 4 workers (the first argument changes it), each working
//! 300 ms. How many threads will the OS count while they work, and how many once they are
//! done? How long will the program take?
//!
//! Then give each worker a thread of its own, named `worker-1` to `worker-N`, all running
//! at once, and join every one before the program goes on to its last 300 ms. Check it:
//! `make exercise NAME=process_thread_identity_named_workers` (it runs your program with 3
//! and with 5 workers, counts its threads and reads their names in /proc while it runs, and
//! checks that none but main is left at the end). Run it as it is:
//! `cargo run -p process-thread-identity --example process_thread_identity_named_workers -- 4`.

use std::thread;
use std::time::{Duration, Instant};

/// One worker's job: 300 ms of waiting.
fn work(k: usize) {
    thread::sleep(Duration::from_millis(300));
    println!("worker {k} done");
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(4);
    let start = Instant::now();
    for k in 1..=n {
        work(k); // one after the other, all on the main thread
    }
    println!("{n} workers done in {:.2} s", start.elapsed().as_secs_f64());
    // The check counts the threads from outside now: only main should be left.
    thread::sleep(Duration::from_millis(300));
}
