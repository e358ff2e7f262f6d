//! What every way of sending shares: one HTTP client and the one-thread runtime it runs
//! on, and a timer for a row.

use std::time::{Duration, Instant};

use anyhow::Context;
use reqwest::Client;
use tokio::runtime::Runtime;

/// One client, one connection pool, for every request, on a current-thread runtime.
/// Loopback goes straight to the server, not via an $http_proxy from the environment.
pub fn client_and_runtime() -> anyhow::Result<(Client, Runtime)> {
    let client = Client::builder()
        .no_proxy()
        .build()
        .context("cannot build the HTTP client")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot build the tokio runtime; check the process's limits (ulimit -a)")?;
    Ok((client, runtime))
}

/// Awaits `work` and measures how long it took.
pub async fn timed<T>(work: impl Future<Output = T>) -> (T, Duration) {
    let start = Instant::now();
    let out = work.await;
    (out, start.elapsed())
}
