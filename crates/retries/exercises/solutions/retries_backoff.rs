//! A solution: exponential back-off with full jitter between attempts.

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
    let mut cap = Duration::from_millis(20);
    for _attempt in 0..5 {
        if attempt(&client, &url).await {
            return true;
        }
        // Full jitter: a random wait in [0, cap), the cap doubling each time. The random
        // fraction comes from the clock's nanoseconds: enough to tell callers apart.
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        let mixed = nanos
            .map_or(0, |d| d.subsec_nanos() as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let fraction = (mixed >> 11) as f64 / (1u64 << 53) as f64;
        tokio::time::sleep(cap.mul_f64(fraction)).await;
        cap *= 2;
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
