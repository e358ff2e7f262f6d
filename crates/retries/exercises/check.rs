//! The checks of retries's exercises: `make exercise NAME=...` builds the exercise and
//! runs this with the program's path. Each check runs the program and measures it.

mod checking;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use checking::{Exercise, Verdict, failed, run};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "retries_backoff",
        question: "20 callers, up to 5 attempts each, against a service that is down: how many requests does it see, and how fast?",
        goal: "the service sees every caller retry (40 to 100 requests), spread over at least 150 ms, and after the first 20 never more than 12 in any 2 ms",
        hints: [
            "retrying at once sends all 100 requests in a few milliseconds: wait between attempts",
            "wait cap x a random fraction (cap 20 ms, doubling each retry): without the random part, the 20 callers come back together",
        ],
        check: backoff,
    }])
}

/// The check's own service: down (every request a 503 at once), counting when each
/// request arrives. The verdict is from its count, never from what the program prints.
fn down_service() -> (String, Arc<Mutex<Vec<Instant>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let book = Arc::clone(&arrivals);
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut head = Vec::new();
            let mut buf = [0; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            book.lock().unwrap().push(Instant::now());
            let reply = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    (url, arrivals)
}

/// Counts the requests, their span, and the most retries in any 2 ms. Retrying at once: 100 in
/// a few ms. A fixed back-off (no jitter): spread, but in waves of 20. A constant small
/// random wait: too short a span. A program that does not retry: 20 requests.
fn backoff(program: &Path) -> Verdict {
    let (url, arrivals) = down_service();
    let run = run(program, &[&url], Duration::from_secs(10));
    if let Some(why) = failed(&run) {
        return Verdict {
            measured: why,
            passed: false,
        };
    }
    let mut times = arrivals.lock().unwrap().clone();
    times.sort();
    let n = times.len();
    let span = match (times.first(), times.last()) {
        (Some(a), Some(b)) => *b - *a,
        _ => Duration::ZERO,
    };
    // The first attempts arrive together whatever the program does: judge the retries,
    // the requests after the first 20.
    let retries = &times[n.min(20)..];
    let window = Duration::from_millis(2);
    let in_window = |i: usize| {
        let from = retries[i];
        retries[i..]
            .iter()
            .take_while(|t| **t - from < window)
            .count()
    };
    let peak = (0..retries.len()).map(in_window).max().unwrap_or(0);
    Verdict {
        measured: format!(
            "the service saw {n} requests over {:.0} ms; after the first 20, at most {peak} in any 2 ms",
            span.as_secs_f64() * 1e3
        ),
        passed: (40..=100).contains(&n) && span >= Duration::from_millis(150) && peak <= 12,
    }
}
