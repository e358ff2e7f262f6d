//! `--serve`: the slow site on its own, for real clients. Two requests at once are both
//! in progress at once; Ctrl-C (SIGINT) ends it with totals, exit 0, nothing listening.

mod common;
mod local;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::thread;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// A plain HTTP/1.1 GET, as curl sends it; returns the whole reply.
fn get(addr: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let request = format!("GET /hello HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

#[test]
fn serve_answers_real_clients_and_stops_cleanly_on_sigint() {
    let mut child = local::command(env!("CARGO_BIN_EXE_io-bound"))
        .args(["--serve", "127.0.0.1:0", "--latency-ms", "500"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || lines.next().unwrap().unwrap();
    let first = next();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect(&first);
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    assert_eq!(next(), format!("try: curl -i http://{addr}/"));

    // Two clients at once: each answer waits 500 ms, so both are in progress together.
    let clients: Vec<_> = (0..2)
        .map(|_| {
            let addr = addr.clone();
            thread::spawn(move || get(&addr))
        })
        .collect();
    for client in clients {
        let reply = client.join().unwrap();
        assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
        assert!(reply.contains("<h1>Example Domain</h1>"), "{reply}");
    }
    let answered = [next(), next()];
    let mut numbers: Vec<&str> = answered
        .iter()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, ["#1", "#2"]);
    for line in &answered {
        assert!(line.contains(" GET /hello from 127.0.0.1:"), "{line}");
        assert!(line.contains("answered after 500 ms"), "{line}");
    }
    // The first one answered saw both in progress (itself included).
    assert!(
        answered[0].ends_with("; 2 in progress at once"),
        "{answered:?}"
    );

    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    assert_eq!(
        next(),
        "stopped: 2 requests answered, at most 2 in progress at once"
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(err, "");
    assert!(
        TcpStream::connect(&addr).is_err(),
        "still listening on {addr}"
    );
}

#[test]
fn serve_takes_a_burst_of_1000_clients_with_no_listen_overflow() {
    let mut child = local::command(env!("CARGO_BIN_EXE_io-bound"))
        .args(["--serve", "127.0.0.1:0", "--latency-ms", "100"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .expect(&first)
        .trim_end_matches('/')
        .to_owned();
    // Its per-request lines must be read, or a full pipe would stall the server.
    let drain = thread::spawn(move || lines.count());
    let pid = child.id();
    let burst = std::panic::catch_unwind(|| {
        local::burst::assert_a_clean_burst(&addr, 1000, common::listen_overflows, Some(pid))
    });
    // Stopped whatever the burst found, so that no server is left running.
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    assert!(child.wait().unwrap().success());
    drain.join().unwrap();
    if let Err(failed) = burst {
        std::panic::resume_unwind(failed);
    }
}
