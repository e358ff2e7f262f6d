//! A solution to `io_bound_fifty_at_once`: fifty futures on a current-thread runtime,
//! awaited together. Each `.await` on a socket hands the one thread back to the runtime,
//! so all fifty are in flight at once and the lot takes about one latency.

use std::time::Instant;

const REQUESTS: usize = 50;

fn main() -> anyhow::Result<()> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8000/".into());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?; // ONE thread: this one
    let client = reqwest::Client::builder().no_proxy().build()?;
    let start = Instant::now();
    runtime.block_on(async {
        let requests = (0..REQUESTS).map(|_| async {
            // `.await`: while this reply is on its way, the thread runs the other requests.
            client
                .get(&url)
                .send()
                .await?
                .error_for_status()?
                .text()
                .await
        });
        for page in futures::future::join_all(requests).await {
            assert!(!page?.is_empty(), "an empty page");
        }
        anyhow::Ok(())
    })?;
    let secs = start.elapsed().as_secs_f64();
    println!("{REQUESTS} requests took {secs:.2} s");
    Ok(())
}
