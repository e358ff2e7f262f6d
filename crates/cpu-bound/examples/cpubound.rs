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
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
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

// ANCHOR: output-hook
/// Output that cannot be written ends the program: quietly when the reader closed the pipe
/// (`program | head`), with one `error:` line and status 1 otherwise (a full disk).
fn exit_when_output_fails() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.to_string();
        let Some((_, why)) = message.split_once("failed printing to stdout: ") else {
            return default_hook(info);
        };
        if why.contains("Broken pipe") {
            std::process::exit(0);
        }
        let why = why.split(" (os error").next().unwrap_or(why);
        eprintln!("error: cannot write the output ({why}); free some space or write elsewhere");
        std::process::exit(1);
    }));
}
// ANCHOR_END: output-hook
