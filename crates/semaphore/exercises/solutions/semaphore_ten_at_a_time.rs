//! A solution to `semaphore_ten_at_a_time`: a permit of a 10-permit semaphore taken
//! before each spawn and moved into the task, which drops it when its request is done.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;

const REQUESTS: usize = 100;

fn main() -> anyhow::Result<()> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8000/".into());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder().no_proxy().build()?;
    let semaphore = Arc::new(Semaphore::new(10)); // asyncio.Semaphore(10)
    let start = Instant::now();
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..REQUESTS {
            // Waits here while 10 requests are in flight: at most 10 tasks exist.
            let permit = Arc::clone(&semaphore).acquire_owned().await?;
            let (client, url) = (client.clone(), url.clone());
            tasks.push(tokio::spawn(async move {
                let page = client
                    .get(&url)
                    .send()
                    .await?
                    .error_for_status()?
                    .text()
                    .await;
                drop(permit); // the next request may go
                page
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
