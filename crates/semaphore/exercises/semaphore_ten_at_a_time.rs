//! Your turn: a hundred requests, all at once.
//!
//! Predict first: the server takes 100 ms to answer each request. How many does it have
//! in progress at once, and how long do the hundred take?
//!
//! Then let at most 10 be in flight at once (asyncio.Semaphore(10)), so that the server
//! never sees more than 10, and the hundred take about 10 rounds of 100 ms. Check it:
//! `make exercise NAME=semaphore_ten_at_a_time` (it starts its own slow server, which
//! counts the requests it has in progress at once). Run it as it is against any server,
//! e.g. `python3 -m http.server` in another terminal, then
//! `cargo run -p semaphore --example semaphore_ten_at_a_time -- http://127.0.0.1:8000/`.

use std::time::Instant;

const REQUESTS: usize = 100;

fn main() -> anyhow::Result<()> {
    // The check passes its own server's address.
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8000/".into());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder().no_proxy().build()?;
    let start = Instant::now();
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..REQUESTS {
            let (client, url) = (client.clone(), url.clone());
            // Every task starts its request at once: nothing holds any of them back.
            tasks.push(tokio::spawn(async move {
                client
                    .get(&url)
                    .send()
                    .await?
                    .error_for_status()?
                    .text()
                    .await
            }));
        }
        for task in tasks {
            task.await??;
        }
        anyhow::Ok(())
    })?;
    let secs = start.elapsed().as_secs_f64();
    println!("{REQUESTS} requests took {secs:.2} s");
    Ok(())
}
