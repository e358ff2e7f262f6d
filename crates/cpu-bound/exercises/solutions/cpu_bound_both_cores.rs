//! A solution to `cpu_bound_both_cores`: two scoped threads take half of the jobs each,
//! at the same time, so the OS can run them on two cores.

use std::hint::black_box;
use std::thread;
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
    let (first, second) = sizes.split_at(sizes.len() / 2);
    let total: u128 = thread::scope(|s| {
        let other = s.spawn(|| first.iter().map(|&n| job(n)).sum::<u128>()); // meanwhile,
        let mine: u128 = second.iter().map(|&n| job(n)).sum(); // this thread does the rest
        mine + other.join().expect("the other thread panicked")
    });
    let seconds = start.elapsed().as_secs_f64();
    println!("8 jobs in {seconds:.2} s; their sums add up to {total}");
}
