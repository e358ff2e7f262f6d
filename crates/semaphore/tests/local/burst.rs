//! A burst of clients connecting at once, for the servers' listen-queue tests (the demo's
//! own server, and the twin's). The same file in io-bound, io-vs-cpu and semaphore.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::Duration;

/// `clients` threads connect to `addr` at the same moment (a barrier releases them), each
/// sends one GET and reads the whole reply; returns how many got `200 OK` (HTTP/1.0 or 1.1).
pub fn burst_of_clients(addr: &str, clients: usize) -> usize {
    let start = Arc::new(Barrier::new(clients));
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let (start, addr) = (Arc::clone(&start), addr.to_owned());
            std::thread::Builder::new()
                .stack_size(64 << 10)
                .spawn(move || {
                    start.wait();
                    let mut stream = TcpStream::connect(&addr).ok()?;
                    stream
                        .set_read_timeout(Some(Duration::from_secs(30)))
                        .ok()?;
                    let get =
                        format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
                    stream.write_all(get.as_bytes()).ok()?;
                    let mut reply = String::new();
                    stream.read_to_string(&mut reply).ok()?;
                    let status = reply.split_once("\r\n")?.0;
                    status.starts_with("HTTP/1.").then_some(())?;
                    status.ends_with(" 200 OK").then_some(())
                })
                .unwrap()
        })
        .collect();
    let answered = handles.into_iter().map(|h| h.join().ok().flatten());
    answered.filter(Option::is_some).count()
}
