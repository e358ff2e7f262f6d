//! The two echo servers, both on ONE thread, speaking the same small protocol:
//! the server greets with `ready\n`, the client thinks for D ms, sends one line, and the
//! server sends the line back. The blocking server waits inside each read; the
//! non-blocking one never waits on a socket, only on the readiness poller.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use crate::readiness::{Backend, Event, Interest, Poller, READ};

/// What the server says when it starts serving a client; the client's think time starts
/// when it reads this.
pub const GREETING: &[u8] = b"ready\n";

/// The line client `i` sends (and must get back, byte for byte).
pub fn message(i: usize) -> Vec<u8> {
    format!("hello from client {i}\n").into_bytes()
}

/// What one server run measured.
pub struct Served {
    /// When each client was done (echo written), counted from before the clients started.
    pub served_at: Vec<Duration>,
    /// How many times the thread went to sleep in the poller (non-blocking only).
    pub wakeups: u64,
    /// The most client sockets the server held at once.
    pub most_open: usize,
    /// When the last client was accepted and greeted (non-blocking only): the ramp.
    pub last_greeted: Duration,
}

// ANCHOR: blocking-server
/// The blocking server: accept one client, greet it, read its line (the thread sleeps
/// here for the client's whole think time), echo, next. K clients cost K think times.
pub fn blocking_server(
    listener: TcpListener,
    clients: usize,
    start: Instant,
    patience: Duration,
) -> io::Result<Served> {
    let mut served_at = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (mut stream, _) = listener.accept()?;
        // Without a timeout, a client that never sends would hold this server forever.
        stream.set_read_timeout(Some(patience))?;
        stream.write_all(GREETING)?;
        let mut line = Vec::new();
        BufReader::new(&stream).read_until(b'\n', &mut line)?;
        if !line.ends_with(b"\n") {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "a client hung up before sending its line",
            ));
        }
        stream.write_all(&line)?;
        served_at.push(start.elapsed());
    }
    Ok(Served {
        served_at,
        wakeups: 0,
        most_open: 1,
        last_greeted: Duration::ZERO,
    })
}

// ANCHOR_END: blocking-server

/// A non-blocking socket with the bytes it received and the bytes it still has to send.
pub struct Conn {
    pub stream: TcpStream,
    pub inbuf: Vec<u8>,
    pub outbuf: Vec<u8>,
    /// What the poller is currently told to watch for.
    pub interest: Interest,
}

impl Conn {
    pub fn new(stream: TcpStream) -> Conn {
        Conn {
            stream,
            inbuf: Vec::new(),
            outbuf: Vec::new(),
            interest: READ,
        }
    }

    /// Take in what has arrived, never waiting. Ok(true) means the peer has closed.
    pub fn fill(&mut self) -> io::Result<bool> {
        let mut buf = [0u8; 512];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => return Ok(true),
                Ok(n) => {
                    self.inbuf.extend_from_slice(&buf[..n]);
                    // A short read emptied the socket; skip the extra call that would
                    // only say WouldBlock (the poller reports any later bytes).
                    if n < buf.len() {
                        return Ok(false);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Send what is pending, never waiting. Ok(true) when nothing is left to send.
    pub fn flush(&mut self) -> io::Result<bool> {
        while !self.outbuf.is_empty() {
            match self.stream.write(&self.outbuf) {
                Ok(n) => {
                    self.outbuf.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// The first complete line received, removed from the input, if there is one.
    pub fn take_line(&mut self) -> Option<Vec<u8>> {
        let end = self.inbuf.iter().position(|&b| b == b'\n')?;
        Some(self.inbuf.drain(..=end).collect())
    }

    /// Tell the poller what this socket waits for now, if that changed.
    pub fn watch(&mut self, poller: &Poller, token: usize, want: Interest) -> io::Result<()> {
        if want != self.interest {
            poller.modify(self.stream.as_fd(), token, want)?;
            self.interest = want;
        }
        Ok(())
    }
}

// ANCHOR: nonblocking-server
/// The non-blocking server: one thread, one loop. Sleep in the poller until some socket is
/// ready, do whatever that socket allows without waiting (accept, greet, read, echo), and
/// go back to the poller. Every client's think time passes at once.
pub fn nonblocking_server(
    listener: TcpListener,
    clients: usize,
    start: Instant,
    backend: Backend,
) -> io::Result<Served> {
    const LISTENER: usize = usize::MAX;
    listener.set_nonblocking(true)?;
    let mut poller = Poller::new(backend)?;
    poller.add(listener.as_fd(), LISTENER, READ)?;

    // Connections live in slots; a slot's index is its token in the poller.
    let mut conns: Vec<Option<(Conn, bool)>> = Vec::new(); // (connection, echo queued)
    let mut free: Vec<usize> = Vec::new();
    let (mut open, mut most_open, mut wakeups) = (0usize, 0usize, 0u64);
    let mut last_greeted = Duration::ZERO;
    let mut served_at = Vec::with_capacity(clients);
    let mut events: Vec<Event> = Vec::new();

    while served_at.len() < clients {
        let sources = std::iter::once((listener.as_fd(), LISTENER, READ)).chain(
            conns.iter().enumerate().filter_map(|(token, slot)| {
                slot.as_ref()
                    .map(|(c, _)| (c.stream.as_fd(), token, c.interest))
            }),
        );
        poller.wait(sources, None, &mut events)?;
        wakeups += 1;

        for ev in &events {
            if ev.token == LISTENER {
                // Take everything waiting in the accept queue and greet each newcomer.
                loop {
                    let stream = match listener.accept() {
                        Ok((s, _)) => s,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    };
                    stream.set_nonblocking(true)?;
                    let mut conn = Conn::new(stream);
                    conn.outbuf.extend_from_slice(GREETING);
                    conn.flush()?;
                    conn.interest = Interest {
                        read: true,
                        write: !conn.outbuf.is_empty(),
                    };
                    let token = free.pop().unwrap_or_else(|| {
                        conns.push(None);
                        conns.len() - 1
                    });
                    poller.add(conn.stream.as_fd(), token, conn.interest)?;
                    conns[token] = Some((conn, false));
                    open += 1;
                    most_open = most_open.max(open);
                    last_greeted = start.elapsed();
                }
                continue;
            }

            let Some((conn, echoing)) = conns.get_mut(ev.token).and_then(Option::as_mut) else {
                continue;
            };
            if ev.readable && !*echoing {
                let closed = conn.fill()?;
                if let Some(line) = conn.take_line() {
                    conn.outbuf.extend_from_slice(&line);
                    *echoing = true;
                } else if closed {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "a client hung up before sending its line",
                    ));
                }
            }
            let all_sent = conn.flush()?;
            if *echoing && all_sent {
                conns[ev.token] = None; // closing also takes it out of the poller
                free.push(ev.token);
                open -= 1;
                served_at.push(start.elapsed());
            } else {
                let want = Interest {
                    read: !*echoing,
                    write: !all_sent,
                };
                conn.watch(&poller, ev.token, want)?;
            }
        }
    }
    Ok(Served {
        served_at,
        wakeups,
        most_open,
        last_greeted,
    })
}
// ANCHOR_END: nonblocking-server
