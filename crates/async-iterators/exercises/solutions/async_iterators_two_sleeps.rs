//! A solution to `async_iterators_two_sleeps`: the two sleeps on two threads overlap, so the
//! program takes one sleep.

use std::thread;
use std::time::{Duration, Instant};

fn main() {
    let start = Instant::now();
    let other = thread::spawn(|| thread::sleep(Duration::from_millis(200)));
    thread::sleep(Duration::from_millis(200)); // meanwhile, the other thread sleeps too
    other.join().expect("the other thread panicked");
    println!(
        "two sleeps took {:.0} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
}
