//! Retry with exponential back-off and full jitter: a flaky operation that fails its
//! first three attempts, and a loop that waits a random time up to 10, 20, 40 ms ...
//! between attempts, and gives up at a deadline.
//!
//!     cargo run -p retries --example retries

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

static ATTEMPTS: AtomicU32 = AtomicU32::new(0);

/// The flaky service: down for its first three requests.
async fn flaky() -> Result<&'static str, &'static str> {
    match ATTEMPTS.fetch_add(1, Ordering::SeqCst) {
        0..3 => Err("503 Service Unavailable"),
        _ => Ok("200 OK"),
    }
}

/// A cheap random fraction in [0, 1) from the clock's nanoseconds: enough for jitter.
fn jitter() -> f64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    let nanos = now.map_or(0, |d| d.subsec_nanos() as u64);
    (nanos.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64 / (1u64 << 53) as f64
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    let start = Instant::now();
    let deadline = start + Duration::from_millis(500);
    let mut cap = Duration::from_millis(10);
    loop {
        let at = start.elapsed().as_millis();
        let reply = tokio::time::timeout(Duration::from_millis(100), flaky()).await;
        let n = ATTEMPTS.load(Ordering::SeqCst);
        match reply {
            Ok(Ok(page)) => {
                println!("attempt {n} at {at:>3} ms: {page}");
                break;
            }
            Ok(Err(why)) => println!("attempt {n} at {at:>3} ms: {why}"),
            Err(_) => println!("attempt {n} at {at:>3} ms: timed out"),
        }
        let wait = cap.mul_f64(jitter()); // full jitter: anywhere in [0, cap)
        if Instant::now() + wait > deadline {
            println!("gave up at the deadline");
            break;
        }
        tokio::time::sleep(wait).await;
        cap *= 2; // exponential: each wait's cap doubles
    }
    println!(
        "{} attempts in {:.1} ms",
        ATTEMPTS.load(Ordering::SeqCst),
        start.elapsed().as_secs_f64() * 1e3
    );
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
