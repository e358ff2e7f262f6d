//! The notes' I/O-vs-CPU script in Rust: fetch a page (I/O), format its headers (CPU),
//! join them (CPU), write them to a file (I/O); each step timed. A tiny site on
//! 127.0.0.1 answers after 100 ms, so it runs offline; or pass a URL (http or https).
//!
//!     cargo run -p io-vs-cpu --example save_headers [URL]

use std::io::{Read, Write};
use std::time::{Duration, Instant};

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    let url = match std::env::args().nth(1) {
        Some(url) => url,
        None => slow_site()?,
    };
    // Straight to the site: loopback must not go through an $http_proxy.
    let agent: ureq::Agent = ureq::Agent::config_builder().proxy(None).build().into();
    let path = std::env::temp_dir().join(format!("headers-{}.txt", std::process::id()));

    let t0 = Instant::now();
    let response = agent.get(&url).call()?; // I/O: the thread waits for the reply
    let t1 = Instant::now();
    // CPU: one "name: value" line per header. (The notes call `response.header`, which
    // does not exist in requests either: it is `headers`.)
    let lines: Vec<String> = response
        .headers()
        .iter()
        .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap_or("(binary)")))
        .collect();
    let t2 = Instant::now();
    let text = lines.join("\n"); // CPU
    let t3 = Instant::now();
    std::fs::write(&path, &text)?; // I/O: hand the bytes to the kernel
    let t4 = Instant::now();
    std::fs::remove_file(&path)?; // a demo leaves nothing behind: delete this line to keep it

    let ms = |from: Instant, to: Instant| (to - from).as_secs_f64() * 1e3;
    println!("fetch   I/O {:>10.3} ms", ms(t0, t1));
    println!("format  CPU {:>10.3} ms", ms(t1, t2));
    println!("join    CPU {:>10.3} ms", ms(t2, t3));
    println!("write   I/O {:>10.3} ms", ms(t3, t4));
    println!(
        "{} header lines written to {}:\n{text}",
        lines.len(),
        path.display()
    );
    Ok(())
}

/// A stand-in for the web on 127.0.0.1: answers every request after 100 ms.
fn slow_site() -> std::io::Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}/", listener.local_addr()?);
    std::thread::spawn(move || {
        for mut visitor in listener.incoming().flatten() {
            let _ = visitor.read(&mut [0; 1024]); // a GET fits in one read
            std::thread::sleep(Duration::from_millis(100)); // the network's latency
            let reply = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\
                         Server: save-headers\r\nConnection: close\r\n\r\nhello";
            let _ = visitor.write_all(reply.as_bytes());
        }
    });
    Ok(url)
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
