//! Your turn: two sleeps, one after the other.
//!
//! Predict first: each sleep is 200 ms. How long does the program take?
//!
//! Then make it take about one sleep (200 ms, not 400) by running the two sleeps at the
//! same time, each on a thread of its own. Check it: `make exercise NAME=async_iterators_two_sleeps`
//! (it times the program and counts its threads). Run it as it is:
//! `cargo run -p async-iterators --example async_iterators_two_sleeps`.

use std::thread;
use std::time::{Duration, Instant};

fn main() {
    let start = Instant::now();
    thread::sleep(Duration::from_millis(200));
    thread::sleep(Duration::from_millis(200));
    println!(
        "two sleeps took {:.0} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
}
