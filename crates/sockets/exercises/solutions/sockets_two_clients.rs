//! A solution to `sockets_two_clients`: every socket non-blocking, and one poll(2) over
//! the listener and the clients. The thread sleeps only in poll, never in one client's
//! read, so both clients think at the same time.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsFd;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or("127.0.0.1:0".into());
    let listener = TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?; // accept says WouldBlock instead of waiting
    println!("listening on {}", listener.local_addr()?);
    let mut clients: Vec<(TcpStream, Vec<u8>)> = Vec::new(); // a socket and what it sent
    let (mut accepted, mut served) = (0, 0);
    while served < 2 {
        // One wait for every socket: the listener (while a client may still come) first.
        let watch_listener = accepted < 2;
        let mut fds: Vec<PollFd> = Vec::new();
        if watch_listener {
            fds.push(PollFd::new(listener.as_fd(), PollFlags::POLLIN));
        }
        fds.extend(
            clients
                .iter()
                .map(|(s, _)| PollFd::new(s.as_fd(), PollFlags::POLLIN)),
        );
        poll(&mut fds, PollTimeout::NONE)?;
        let mut ready: Vec<bool> = fds.iter().map(|f| f.any().unwrap_or(true)).collect();
        drop(fds);
        if watch_listener && ready.remove(0) {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(true)?;
                    (&stream).write_all(b"ready\n")?; // six bytes: the socket takes them
                    clients.push((stream, Vec::new()));
                    accepted += 1;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        // The clients that have bytes, last first, so removing one keeps the others' places.
        for i in (0..ready.len()).rev().filter(|&i| ready[i]) {
            let (stream, got) = &mut clients[i];
            let mut buf = [0u8; 512];
            match stream.read(&mut buf) {
                Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
            if got.ends_with(b"\n") {
                stream.write_all(got)?; // a short line: the socket takes it at once
                println!("served {}", stream.peer_addr()?);
                clients.remove(i);
                served += 1;
            }
        }
    }
    Ok(())
}
