//! A burst of clients connecting at once, for the servers' listen-queue tests (the demo's
//! own server, and the twin's). The same file in io-bound, io-vs-cpu, semaphore and retries.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::{Arc, Barrier};
use std::time::Duration;

/// `clients` threads connect to `addr` at the same moment (a barrier releases them) and
/// each sends one GET; once all have, `all_sent` runs, then each reads its whole reply.
/// Returns how many got `200 OK` (HTTP/1.0 or 1.1).
pub fn burst_of_clients(addr: &str, clients: usize, all_sent: impl FnOnce()) -> usize {
    let (start, sent) = (
        Arc::new(Barrier::new(clients)),
        Arc::new(Barrier::new(clients + 1)),
    );
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let (start, sent, addr) = (Arc::clone(&start), Arc::clone(&sent), addr.to_owned());
            std::thread::Builder::new()
                .stack_size(64 << 10)
                .spawn(move || {
                    start.wait();
                    let stream = send_a_get(&addr);
                    sent.wait();
                    let mut reply = String::new();
                    stream?.read_to_string(&mut reply).ok()?;
                    let status = reply.split_once("\r\n")?.0;
                    status.starts_with("HTTP/1.").then_some(())?;
                    status.ends_with(" 200 OK").then_some(())
                })
                .unwrap()
        })
        .collect();
    sent.wait();
    all_sent();
    let answered = handles.into_iter().map(|h| h.join().ok().flatten());
    answered.filter(Option::is_some).count()
}

fn send_a_get(addr: &str) -> Option<TcpStream> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let get = format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(get.as_bytes()).ok()?;
    Some(stream)
}

/// Sends `clients` at once to `addr` and checks that the kernel's count of listen
/// overflows (`overflows`, tests/common's `listen_overflows`) did not grow. With the
/// server's process id, the server is frozen (SIGSTOP) until every client has connected
/// and sent, so all of them must wait in its listen queue at once, whatever its speed;
/// and since the count is for the whole machine (another program's burst adds to it),
/// one burst in three that leaves it unchanged passes. A server in this very process
/// cannot be frozen: one burst, which a queue of 128 overflows all the same (measured).
/// Every client of every burst must get its answer. Skips (saying so) where the count is
/// unavailable.
pub fn assert_a_clean_burst(
    addr: &str,
    clients: usize,
    overflows: fn() -> Option<u64>,
    server: Option<u32>,
) {
    let signal = |name: &str, pid: u32| {
        let status = Command::new("kill").args([name, &pid.to_string()]).status();
        assert!(status.is_ok_and(|s| s.success()), "kill {name} {pid}");
    };
    let mut grew = Vec::new();
    for _ in 0..if server.is_some() { 3 } else { 1 } {
        if let Some(pid) = server {
            signal("-STOP", pid);
        }
        let before = overflows();
        let mut after = None;
        let answered = burst_of_clients(addr, clients, || {
            after = overflows();
            if let Some(pid) = server {
                signal("-CONT", pid);
            }
        });
        let Some((before, after)) = before.zip(after) else {
            assert_eq!(answered, clients, "answered, of {clients} clients at once");
            println!("no /proc/net/netstat: skipped the listen-overflow check");
            return;
        };
        if after == before {
            assert_eq!(answered, clients, "answered, of {clients} clients at once");
            return;
        }
        grew.push(after - before);
    }
    panic!("connections overflowed the listen queue in bursts of {clients}: {grew:?}");
}
