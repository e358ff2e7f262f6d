//! Your turn: fifty requests, one after another.
//!
//! Predict first: the server takes 200 ms to answer each request. How long do the fifty
//! take, and how many does the server have in progress at once?
//!
//! Then make the fifty run at once on ONE thread: no thread per request, no pool, but
//! tasks that `.await` their replies (the async row of the demo). Check it:
//! `make exercise NAME=io_bound_fifty_at_once` (it starts its own slow server, counts the
//! requests it has in progress at once, times the program and counts its OS threads).
//! Run it as it is: start the slow site with `cargo run -p io-bound -- --serve`, then
//! `cargo run -p io-bound --example io_bound_fifty_at_once -- http://127.0.0.1:8000/`.

use std::time::Instant;

const REQUESTS: usize = 50;

fn main() -> anyhow::Result<()> {
    // The check passes its own server's address; by hand, `io-bound --serve`'s default.
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8000/".into());
    let agent: ureq::Agent = ureq::Agent::config_builder().proxy(None).build().into();
    let start = Instant::now();
    for _ in 0..REQUESTS {
        // A blocking call: this thread waits here until the reply is in.
        let page = agent.get(&url).call()?.body_mut().read_to_string()?;
        assert!(!page.is_empty(), "an empty page");
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{REQUESTS} requests took {secs:.2} s");
    Ok(())
}
