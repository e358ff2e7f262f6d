//! A solution to `concurrency_vs_parallelism_two_bakers`: a second thread mixes cake 2
//! while the main thread mixes cake 1; on two free cores both mix at the same moment.

use std::hint::black_box;
use std::thread;
use std::time::Instant;

const STROKES: u64 = 200_000_000;

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
    let baker2 = thread::spawn(|| mix(2)); // the second baker starts on cake 2 ...
    let cake1 = mix(1); // ... while this thread mixes cake 1
    let cake2 = baker2.join().expect("the second baker panicked");
    println!("cake 1: {cake1:016x}");
    println!("cake 2: {cake2:016x}");
    println!("both mixed in {:.2} s", start.elapsed().as_secs_f64());
}
