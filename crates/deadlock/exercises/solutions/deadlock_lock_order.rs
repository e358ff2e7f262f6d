//! Your turn: two threads, two locks, five rounds each.
//!
//! Predict first: each round holds the first lock 20 ms, then both 20 ms. How long will
//! the program take, and will it end at all?
//!
//! Then make it end by itself, every round done, without giving up the locks or the
//! threads: each thread needs both A and B for its work. Check it:
//! `make exercise NAME=deadlock_lock_order` (it times the program from outside, stops it
//! after 5 s, and counts its threads). Run it as it is (Ctrl-C to stop it):
//! `cargo run -p deadlock --example deadlock_lock_order`.

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

fn main() {
    let start = Instant::now();
    let a = Arc::new(Mutex::new(0));
    let b = Arc::new(Mutex::new(0));
    let mut threads = Vec::new();
    // The fix: one order for everyone. Both threads take A, then B: whoever holds A
    // can always get B, so no thread waits for a lock while holding what the other needs.
    for (first, second) in [(&a, &b), (&a, &b)] {
        let (first, second) = (Arc::clone(first), Arc::clone(second));
        threads.push(thread::spawn(move || {
            for _ in 0..5 {
                let mut one = first.lock().unwrap();
                thread::sleep(Duration::from_millis(20)); // work with the first lock
                let mut two = second.lock().unwrap();
                thread::sleep(Duration::from_millis(20)); // work with both
                *one += 1;
                *two += 1;
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
    let (a, b) = (*a.lock().unwrap(), *b.lock().unwrap());
    println!(
        "A counted {a}, B counted {b}, in {:.0} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
}
