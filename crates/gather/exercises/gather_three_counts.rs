//! Your turn: the three `count()`s of the notes, gathered on one thread, but they take
//! three delays, not one.
//!
//! Predict first: each count() sleeps one second. How long will the three take, and in
//! what order do the One and Two lines come?
//!
//! Then make them take one delay, on this ONE thread: the three sleeps must overlap, and
//! each Two must come when its own delay is up. More threads are not the fix (the check
//! counts them). Check it: `make exercise NAME=gather_three_counts` (it times each line
//! of the program from outside and counts its OS threads). Run it as it is:
//! `cargo run -p gather --example gather_three_counts` (or with delays in ms: `-- 300 900 600`).

use std::time::{Duration, Instant};

/// The notes' count(): One, a sleep, Two.
async fn count(delay: Duration) {
    println!("One");
    std::thread::sleep(delay);
    println!("Two");
}

fn main() {
    // Each argument is one count()'s delay in ms; none: three of 1000 ms, as in the notes.
    let mut delays: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("each argument is a delay in milliseconds"))
        .collect();
    if delays.is_empty() {
        delays = vec![1000; 3];
    }
    let start = Instant::now();
    // asyncio.run: a runtime on this one thread, with a timer.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    // asyncio.gather: poll every count() on this thread until all have finished.
    let all = delays.iter().map(|&ms| count(Duration::from_millis(ms)));
    runtime.block_on(futures::future::join_all(all));
    println!("executed in {:.2} seconds", start.elapsed().as_secs_f64());
}
