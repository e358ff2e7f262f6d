//! A solution to `parallel_map_one_pool`: one pool of two threads, built before the map;
//! its `par_iter` hands the items to the two threads, and `collect` keeps input order.

use std::hint::black_box;
use std::time::Instant;

use rayon::prelude::*;

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
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap(); // once
    let results: Vec<u64> = pool.install(|| {
        (0..100u64)
            .into_par_iter()
            .filter(|b| b % 5 > 2)
            .map(|b| func(7, b)) // delayed(func)(7, b), on one of the pool's two threads
            .collect() // in input order
    });
    let first: Vec<u64> = results.iter().take(3).map(|r| r % 1000).collect();
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{} results in {seconds:.2} s; the first three end in {first:?}",
        results.len()
    );
}
