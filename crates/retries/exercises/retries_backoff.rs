//! Your turn: 20 callers retry a service that is down.
//!
//! Predict first: the service answers every request with a 503 at once. Each caller
//! tries up to 5 times. How many requests does the service see, and how fast?
//!
//! Then stop hammering it: between attempts, wait a RANDOM time up to 20 ms, then up to
//! 40, 80, 160 ms (exponential back-off with full jitter), so the retries spread out and
//! the callers do not come back together. Check it: `make exercise NAME=retries_backoff`
//! (the check runs its own down service and counts the requests as they arrive). Run it
//! as it is: `cargo run -p retries --example retries_backoff`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

async fn attempt(client: &reqwest::Client, url: &str) -> bool {
    let request = client.get(url).send();
    match tokio::time::timeout(Duration::from_millis(100), request).await {
        Ok(Ok(response)) => response.status().is_success(),
        _ => false,
    }
}

// ANCHOR: caller
async fn caller(client: reqwest::Client, url: String) -> bool {
    for _attempt in 0..5 {
        if attempt(&client, &url).await {
            return true;
        }
        // Retried at once: no wait at all.
    }
    false
}
// ANCHOR_END: caller

/// A service that is down: every request a 503. The check passes its own URL instead.
fn down_service() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.read(&mut [0; 1024]);
            let reply = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    url
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::args().nth(1).unwrap_or_else(down_service);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let start = Instant::now();
    let callers: Vec<_> = (0..20)
        .map(|_| tokio::spawn(caller(client.clone(), url.clone())))
        .collect();
    let mut ok = 0;
    for c in callers {
        ok += c.await.unwrap() as usize;
    }
    println!(
        "20 callers, {ok} got through, in {:.0} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
}
