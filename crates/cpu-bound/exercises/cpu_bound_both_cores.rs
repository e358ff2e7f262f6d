//! Your turn: eight CPU-bound jobs, one after the other, on one thread.
//!
//! Predict first: this machine has two cores. How many of them does the program keep busy
//! (its CPU time over its wall time)?
//!
//! Then make it use both cores: run the jobs on two threads at the same time, each taking
//! half of them, and add up their results at the end. Check it:
//! `make exercise NAME=cpu_bound_both_cores` (it measures the program's CPU time against
//! its wall time, and each thread's share of the work, from outside). Run it as it is:
//! `cargo run --release -p cpu-bound --example cpu_bound_both_cores`.

use std::hint::black_box;
use std::time::Instant;

/// The sum of i*i for every i below n: pure CPU work, no waiting.
fn job(n: u64) -> u128 {
    let mut total = 0u128;
    for i in 0..black_box(n) {
        let i = black_box(i);
        total += (i * i) as u128;
    }
    total
}

fn main() {
    let sizes: Vec<u64> = (0..8).map(|x| 150_000_000 + x).collect();
    let start = Instant::now();
    let total: u128 = sizes.iter().map(|&n| job(n)).sum(); // one job after another
    let seconds = start.elapsed().as_secs_f64();
    println!("8 jobs in {seconds:.2} s; their sums add up to {total}");
}
