//! Helpers only io-bound's tests use: the program run without proxy settings, its
//! summary, and a burst of clients connecting at once.
#![allow(dead_code)] // each test file uses its own part of these

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Arc, Barrier};
use std::time::Duration;

/// A command for `program` without proxy variables: loopback must stay loopback.
pub fn command(program: impl Into<PathBuf>) -> Command {
    let mut cmd = Command::new(program.into());
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// The demo's binary with `args`, run to the end.
pub fn run(args: &[&str]) -> Output {
    command(env!("CARGO_BIN_EXE_io-bound"))
        .args(args)
        .output()
        .unwrap()
}

/// The summary line of a finished run.
pub fn summary_of(out: &Output) -> HashMap<String, String> {
    super::common::summary(&String::from_utf8_lossy(&out.stdout))
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `clients` threads connect to `addr` at the same moment (a barrier releases them), each
/// sends one GET and reads the whole reply; returns how many got `200 OK`.
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
                    reply.starts_with("HTTP/1.1 200 OK\r\n").then_some(())
                })
                .unwrap()
        })
        .collect();
    let answered = handles.into_iter().map(|h| h.join().ok().flatten());
    answered.filter(Option::is_some).count()
}
