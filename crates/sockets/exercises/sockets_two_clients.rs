//! Your turn: an echo server on ONE thread, and two clients at once.
//!
//! Predict first: two clients connect, one just after the other. The first thinks 500 ms
//! after the server's "ready" before it sends its line, the second 200 ms. How long does
//! the second client wait for its echo?
//!
//! Then make the server serve both at once, still on ONE thread (no thread::spawn, no
//! async runtime): non-blocking sockets and one readiness call over all of them
//! (`nix::poll::poll`), so each client waits only its own think time. Check it:
//! `make exercise NAME=sockets_two_clients` (it runs two clients against your server,
//! times each one from outside, and counts the server's threads in /proc). Run it as it
//! is: `cargo run -p sockets --example sockets_two_clients`, then `nc 127.0.0.1 PORT` in
//! two other terminals.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

fn main() -> std::io::Result<()> {
    // The check passes the address to listen on; by hand, the OS picks a free port.
    let addr = std::env::args().nth(1).unwrap_or("127.0.0.1:0".into());
    let listener = TcpListener::bind(addr)?;
    println!("listening on {}", listener.local_addr()?);
    for _ in 0..2 {
        // Two clients, then the program ends.
        let (mut stream, peer) = listener.accept()?;
        stream.write_all(b"ready\n")?; // the client starts thinking now
        let mut line = String::new();
        // The thread sleeps here until THIS client sends; the other one waits in the
        // accept queue, not even greeted yet.
        BufReader::new(&stream).read_line(&mut line)?;
        stream.write_all(line.as_bytes())?; // the echo: this client is done
        println!("served {peer}");
    }
    Ok(())
}
