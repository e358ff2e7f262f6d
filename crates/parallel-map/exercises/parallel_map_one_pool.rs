//! Your turn: the joblib line, with a pool of two threads built for every item.
//!
//! Predict first: the map has 40 items and asks for n_jobs=2. How many OS threads does
//! the program start in all, and how many items run at the same time?
//!
//! Then build the pool once, before the map, and let it run the items: the joblib line is
//! one `Parallel(n_jobs=2)`, not one per call. Keep the results in input order. Check it:
//! `make exercise NAME=parallel_map_one_pool` (it watches the program's threads in /proc:
//! how many were started, and which did the work). Run it as it is:
//! `cargo run --release -p parallel-map --example parallel_map_one_pool`.

use std::hint::black_box;
use std::time::Instant;

/// `func(a, b)`: a few milliseconds of hashing, one round depending on the one before.
fn func(a: u64, b: u64) -> u64 {
    let mut x = (a << 32) | b;
    for _ in 0..black_box(4_000_000) {
        x = (x ^ (x >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    x
}

fn main() {
    let start = Instant::now();
    let results: Vec<u64> = (0..100u64)
        .filter(|b| b % 5 > 2)
        .map(|b| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(2)
                .build()
                .unwrap();
            pool.install(|| func(7, b)) // delayed(func)(7, b), on a brand-new pool
        })
        .collect();
    let first: Vec<u64> = results.iter().take(3).map(|r| r % 1000).collect();
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{} results in {seconds:.2} s; the first three end in {first:?}",
        results.len()
    );
}
