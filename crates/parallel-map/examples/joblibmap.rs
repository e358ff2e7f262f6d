//! The notes' joblib line in Rust:
//!
//!     Parallel(n_jobs=30)(delayed(func)(a, b) for b in range(100) if b % 5 > 2)
//!
//! A rayon pool of 30 threads runs `func(a, b)` for the 40 inputs the filter keeps and
//! hands the results back as a list, in the order of the inputs, like joblib does.
//!
//!     cargo run --release -p parallel-map --example joblibmap

use std::hint::black_box;

use anyhow::Context;
use rayon::prelude::*;

/// Some CPU work on (a, b): a million rounds of a hash, each depending on the one before.
fn func(a: u64, b: u64) -> u64 {
    let mut x = (a << 32) | b;
    for _ in 0..black_box(1_000_000) {
        x = (x ^ (x >> 31))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(1);
    }
    x
}

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    let a = 7;
    // Parallel(n_jobs=30): a pool of 30 threads. No processes and no pickling: Rust has
    // no GIL, so threads run on every core.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(30).build();
    let pool = pool.context("cannot start 30 threads; see the thread limit, ulimit -u")?;
    let results: Vec<(u64, u64)> = pool.install(|| {
        (0..100u64)
            .into_par_iter()
            .filter(|b| b % 5 > 2) // the generator's `if`
            .map(|b| (b, func(a, b))) // delayed(func)(a, b), run on a pool thread
            .collect() // a list in input order, whichever thread finished first
    });
    for (b, result) in &results {
        println!("func({a}, {b}) = {result:#018x}");
    }
    println!("{} results, in the order of the inputs", results.len());
    Ok(())
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
