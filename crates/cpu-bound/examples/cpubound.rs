//! The Python tutorials' CPU-bound program in Rust: twenty jobs, job x sums i*i for every
//! i below 5_000_000 + x; first one after another, then on rayon's pool, one thread per
//! core. CPython needs a process per core for this (its threads share one GIL); Rust's
//! threads run on every core at once.
//!
//!     cargo run --release -p cpu-bound --example cpubound

use std::hint::black_box;
use std::time::Instant;

use rayon::prelude::*;

/// def cpu_bound(number): return sum(i * i for i in range(number))
#[inline(never)] // one compiled copy, called by both runs: only the threads differ
fn cpu_bound(number: u64) -> u128 {
    // black_box: the optimiser may not replace the loop with a formula or vectorise it.
    (0..black_box(number))
        .map(|i| black_box(i) as u128 * i as u128)
        .sum()
}

fn main() {
    end_quietly_on_closed_pipe();
    let numbers: Vec<u64> = (0..20).map(|x| 5_000_000 + x).collect();

    let start = Instant::now();
    let one_by_one: Vec<u128> = numbers.iter().map(|&n| cpu_bound(n)).collect();
    let sequential = start.elapsed().as_secs_f64();
    println!("one after another: duration {sequential:.3} seconds");

    let start = Instant::now();
    // multiprocessing.Pool().map(cpu_bound, numbers): rayon splits the list among its
    // threads (one per core) and keeps the results in input order.
    let on_the_pool: Vec<u128> = numbers.par_iter().map(|&n| cpu_bound(n)).collect();
    let parallel = start.elapsed().as_secs_f64();
    let threads = rayon::current_num_threads();
    println!("on {threads} threads: duration {parallel:.3} seconds");

    assert_eq!(one_by_one, on_the_pool, "the same sums, in the same order");
    println!("same results; {:.2}x faster", sequential / parallel);
}

// ANCHOR: closed-pipe
/// `program | head` closes the pipe early, and the next `println!` then panics with
/// "Broken pipe". The reader is done, the program is not wrong: end quietly, status 0.
fn end_quietly_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.to_string().contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
// ANCHOR_END: closed-pipe
