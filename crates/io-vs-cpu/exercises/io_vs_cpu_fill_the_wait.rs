//! Your turn: the CPU sits idle while the fetch waits.
//!
//! Predict first: the fetch waits 2 s for the server, and counting the primes takes about
//! 0.3 s of CPU. How long does the program take, and how much of it is CPU time?
//!
//! Then make it take about the fetch alone, without dropping either job: the fetch only
//! waits, so the counting can run meanwhile, on a thread of its own. Check it:
//! `make exercise NAME=io_vs_cpu_fill_the_wait` (it starts its own slow server, times the
//! program from outside and reads its CPU time from the kernel). Run it as it is:
//! `cargo run --release -p io-vs-cpu --example io_vs_cpu_fill_the_wait -- URL`.

use std::time::Instant;

/// CPU: the primes below `n`, by trial division (no waiting, only computing).
fn count_primes(n: u64) -> usize {
    let is_prime = |k: u64| {
        k >= 2
            && (2..)
                .take_while(|d| d * d <= k)
                .all(|d| !k.is_multiple_of(d))
    };
    (0..n).filter(|&k| is_prime(k)).count()
}

fn main() -> anyhow::Result<()> {
    // The check passes its own server's address.
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://example.com/".into());
    let agent: ureq::Agent = ureq::Agent::config_builder().proxy(None).build().into();
    let start = Instant::now();
    // I/O: the request goes out, then this thread waits for the reply.
    let page = agent.get(&url).call()?.body_mut().read_to_string()?;
    // CPU: only now does the counting start.
    let primes = count_primes(2_000_000);
    let secs = start.elapsed().as_secs_f64();
    println!("{}-byte page, {primes} primes, in {secs:.2} s", page.len());
    Ok(())
}
