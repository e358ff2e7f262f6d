//! Your turn: two cakes, one baker.
//!
//! Predict first: mixing one cake takes about 0.4 s of CPU here. The program mixes both on
//! one thread: how many cores' worth of CPU does it use per second of wall time? And once
//! two bakers mix at the same time, how many on this machine, and how many on one core
//! (`taskset -c 0`)?
//!
//! Then hire the second baker: mix the two cakes at the same time, each on a thread of its
//! own, and print the same two lines. Check it:
//! `make exercise NAME=concurrency_vs_parallelism_two_bakers` (it measures, from outside,
//! the CPU time each of the program's threads got against the wall time). Run it as it is:
//! `cargo run -p concurrency-vs-parallelism --example concurrency_vs_parallelism_two_bakers`.

use std::hint::black_box;
use std::time::Instant;

/// Strokes of mixing per cake: about 0.4 s of one core.
const STROKES: u64 = 200_000_000;

/// Mixing: each stroke needs the one before, so one cake's mixing cannot be split up.
fn mix(cake: u64) -> u64 {
    let mut dough = cake;
    for stroke in 0..black_box(STROKES) {
        dough = dough
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(stroke);
        dough ^= dough >> 29; // not linear: no shortcut through many strokes at once
    }
    dough
}

fn main() {
    let start = Instant::now();
    let cake1 = mix(1); // the one baker mixes cake 1 ...
    let cake2 = mix(2); // ... and only then cake 2
    println!("cake 1: {cake1:016x}");
    println!("cake 2: {cake2:016x}");
    println!("both mixed in {:.2} s", start.elapsed().as_secs_f64());
}
