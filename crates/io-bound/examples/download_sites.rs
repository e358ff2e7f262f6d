//! realpython's asyncio `download_all_sites` in Rust: 100 slow requests in flight at once
//! on ONE thread. A tiny site on 127.0.0.1 answers each request after 100 ms, so the
//! program runs offline; pass a URL (http://...) to download from elsewhere instead.
//!
//!     cargo run -p io-bound --example download_sites [URL]

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SITES: usize = 100;

async fn download_site(client: &reqwest::Client, url: &str) -> reqwest::Result<usize> {
    // Each `.await` hands the thread back to the runtime until the socket is ready:
    // meanwhile the same thread sends the other 99 requests.
    let response = client.get(url).send().await?.error_for_status()?;
    Ok(response.bytes().await?.len())
}

async fn download_all_sites(url: &str) -> reqwest::Result<usize> {
    // One client (one connection pool) for all; straight to the site, not via $http_proxy.
    let client = reqwest::Client::builder().no_proxy().build()?;
    let downloads = (0..SITES).map(|_| download_site(&client, url));
    // asyncio.gather: drive all the downloads at once, on this one thread.
    let sizes = futures::future::try_join_all(downloads).await?;
    Ok(sizes.iter().sum())
}

/// A stand-in for the web: answers every request after 100 ms, one task per visitor.
async fn slow_site(listener: tokio::net::TcpListener) {
    while let Ok((mut visitor, _)) = listener.accept().await {
        tokio::spawn(async move {
            let mut request = [0; 1024];
            let _ = visitor.read(&mut request).await; // a GET fits in one read
            tokio::time::sleep(Duration::from_millis(100)).await; // the network's latency
            let reply = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
            let _ = visitor.write_all(reply.as_bytes()).await;
        });
    }
}

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    // asyncio.run: a runtime on one thread, the caller's (with sockets and timers).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let url = match std::env::args().nth(1) {
        Some(url) => url,
        None => {
            let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
            let url = format!("http://{}/", listener.local_addr()?);
            runtime.spawn(slow_site(listener)); // the site runs on the same thread too
            url
        }
    };
    let start = Instant::now();
    let bytes = runtime.block_on(download_all_sites(&url))?;
    let duration = start.elapsed().as_secs_f64();
    println!("Downloaded {SITES} sites ({bytes} bytes) in {duration:.2} seconds");
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
