//! A solution to `io_vs_cpu_fill_the_wait`: the counting runs on a second thread while
//! the first waits for the reply; the two overlap, and the program takes about the fetch.

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
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://example.com/".into());
    let agent: ureq::Agent = ureq::Agent::config_builder().proxy(None).build().into();
    let start = Instant::now();
    // CPU, on a thread of its own: it computes while this thread waits.
    let counting = std::thread::spawn(|| count_primes(2_000_000));
    // I/O: this thread waits for the reply, using no CPU meanwhile.
    let page = agent.get(&url).call()?.body_mut().read_to_string()?;
    let primes = counting.join().expect("the counting thread panicked");
    let secs = start.elapsed().as_secs_f64();
    println!("{}-byte page, {primes} primes, in {secs:.2} s", page.len());
    Ok(())
}
