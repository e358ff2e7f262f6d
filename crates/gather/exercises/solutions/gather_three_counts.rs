//! A solution to `gather_three_counts`: each count() awaits tokio's sleep, which hands the
//! one thread back to the runtime until its timer fires, so the three sleeps overlap and
//! the program takes the longest delay, not their sum.

use std::time::{Duration, Instant};

/// The notes' count(): One, a sleep that lets the others run, Two.
async fn count(delay: Duration) {
    println!("One");
    tokio::time::sleep(delay).await; // hands the thread back until the timer fires
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
