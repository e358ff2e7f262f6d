//! The echo server, both kinds, each on ONE thread: the demo's part two and `--serve` run
//! these same two functions. The blocking server waits inside each read; the non-blocking
//! one never waits on a socket, only on the readiness poller.
//!
//! Two protocols, one server: the demo's (greet with `ready\n`, echo the client's one
//! line, close) and `--serve`'s (echo whatever arrives until the client leaves). What the
//! server does is reported through [`Watcher`]: the demo's harness records the times,
//! `--serve` prints a line per event.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout};

use crate::readiness::{Backend, Event, Interest, Poller, READ};

/// What the server says when it starts serving a demo client; the client's think time
/// starts when it reads this.
pub const GREETING: &[u8] = b"ready\n";

/// The line demo client `i` sends (and must get back, byte for byte).
pub fn message(i: usize) -> Vec<u8> {
    format!("hello from client {i}\n").into_bytes()
}

/// How many connections may wait in the accept queue, as tokio's listeners allow. std's
/// `TcpListener::bind` asks for 128; past that the kernel drops a handshake and the client
/// retries a whole second later, so a burst of 1,000 clients would wait out that second.
pub const BACKLOG: i32 = 1024;

/// Bind `addr` and listen with [`BACKLOG`] (the kernel may cap it: `net.core.somaxconn`).
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    use nix::sys::socket::Backlog;
    let listener = TcpListener::bind(addr)?;
    // listen(2) again on a listening socket only changes its backlog. Where libc's
    // SOMAXCONN is below 1024 (macOS, musl), nix refuses 1024: ask for the most it allows.
    let backlog = Backlog::new(BACKLOG).unwrap_or(Backlog::MAXCONN);
    nix::sys::socket::listen(&listener, backlog)?;
    Ok(listener)
}

/// Which protocol the server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// The demo's: greet, echo the client's one line, close. A client that leaves before
    /// its line, or sends nothing for `patience`, is an error: the demo's clients never do.
    OneLine { patience: Duration },
    /// `--serve`'s: no greeting; echo whatever arrives until the client leaves.
    Echo,
}

impl Protocol {
    fn greeting(self) -> &'static [u8] {
        match self {
            Protocol::OneLine { .. } => GREETING,
            Protocol::Echo => b"",
        }
    }
}

/// One socket the poller reported ready, as a watcher names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ready {
    Listener,
    Stop,
    Client(u64),
}

/// What the server tells whoever runs it. Clients are numbered from 1 in the order they
/// were accepted.
pub trait Watcher {
    /// Checked before each accept and each wait: false ends the server, which closes every
    /// socket it holds as it returns.
    fn keep_going(&self) -> bool;
    /// Client `id` was accepted (and greeted); `open` clients are connected now.
    fn connected(&mut self, _id: u64, _peer: SocketAddr, _open: usize) {}
    /// The server read `bytes` from client `id` and queued them back.
    fn echoed(&mut self, _id: u64, _bytes: &[u8]) {}
    /// One-line protocol: client `id` has its line back and is closed.
    fn served(&mut self, _id: u64) {}
    /// Echo protocol: client `id` left (or reset); `open` are still connected.
    fn gone(&mut self, _id: u64, _open: usize) {}
    /// The non-blocking server woke up (its `wakeup`-th time) for these sockets.
    fn woke(&mut self, _wakeup: u64, _ready: &[Ready]) {}
    /// The blocking server, busy with client `serving`, saw a connection waiting.
    fn queue_waiting(&mut self, _serving: u64) {}
}

/// What a server run counted.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    pub accepted: u64,
    pub reads: u64,
    pub bytes: u64,
    /// One-line protocol: clients that got their line back.
    pub served: u64,
    /// Echo protocol: clients that left while the server ran.
    pub gone: u64,
    /// How many times the non-blocking server woke up from the poller.
    pub wakeups: u64,
    /// The most client sockets the server held at once.
    pub most_open: usize,
}

/// How often the blocking server's waits (accept, read) come back to ask the watcher
/// whether to go on, and to look at the accept queue. They serve nobody else meanwhile.
const TICK: Duration = Duration::from_millis(200);

fn hung_up() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "a client hung up before sending its line",
    )
}

// ANCHOR: blocking-server
/// The blocking server: take one client, serve it until it is done, and only then take
/// the next. While it serves one, the thread sits in read(), so every other client waits
/// in the accept queue: K clients that think D each cost K x D.
pub fn blocking(
    listener: TcpListener,
    protocol: Protocol,
    watcher: &mut impl Watcher,
) -> io::Result<Totals> {
    let mut t = Totals::default();
    while watcher.keep_going() {
        if !readable(listener.as_fd(), TICK)? {
            continue; // nobody yet: ask the watcher again, and wait again
        }
        let (mut stream, peer) = listener.accept()?;
        t.accepted += 1;
        t.most_open = 1;
        watcher.connected(t.accepted, peer, 1);
        // The read wakes every tick, so a client that sends nothing cannot hold the
        // thread for ever unnoticed.
        stream.set_read_timeout(Some(TICK))?;
        stream.write_all(protocol.greeting())?;
        serve_one(&listener, stream, protocol, watcher, &mut t)?;
    }
    Ok(t)
}

/// Serve the client just accepted, the thread blocked in its read, until it is done.
fn serve_one(
    listener: &TcpListener,
    mut stream: TcpStream,
    protocol: Protocol,
    watcher: &mut impl Watcher,
    t: &mut Totals,
) -> io::Result<()> {
    let (id, since) = (t.accepted, Instant::now());
    let (mut line, mut told_waiting) = (Vec::new(), false);
    let mut buf = [0u8; 4096];
    while watcher.keep_going() {
        let got = stream.read(&mut buf); // the thread sleeps here until bytes (or a tick)
        match (got, protocol) {
            (Ok(n), Protocol::OneLine { .. }) if n > 0 => {
                line.extend_from_slice(&buf[..n]);
                if line.ends_with(b"\n") {
                    stream.write_all(&line)?;
                    (t.reads, t.bytes, t.served) = (t.reads + 1, t.bytes + n as u64, t.served + 1);
                    watcher.echoed(id, &line);
                    watcher.served(id);
                    return Ok(());
                }
            }
            (Ok(n), Protocol::Echo) if n > 0 => {
                let echoed = stream.write_all(&buf[..n]);
                (t.reads, t.bytes) = (t.reads + 1, t.bytes + n as u64);
                watcher.echoed(id, &buf[..n]);
                if echoed.is_err() {
                    break; // gone while we answered
                }
            }
            // A tick: still blocked in read() for this client. Is anyone waiting?
            (Err(e), _) if is_timeout(&e) => {
                if let Protocol::OneLine { patience } = protocol {
                    if since.elapsed() > patience {
                        return Err(io::Error::new(e.kind(), "a client sent nothing in time"));
                    }
                }
                if !told_waiting && readable(listener.as_fd(), Duration::ZERO)? {
                    told_waiting = true;
                    watcher.queue_waiting(id);
                }
            }
            (Err(e), _) if e.kind() == io::ErrorKind::Interrupted => {}
            (Ok(_), Protocol::OneLine { .. }) => return Err(hung_up()),
            (Err(e), Protocol::OneLine { .. }) => return Err(e),
            (Ok(_) | Err(_), Protocol::Echo) => break, // closed or reset: gone all the same
        }
    }
    if watcher.keep_going() {
        t.gone += 1;
        watcher.gone(id, 0);
    }
    Ok(()) // a client still connected when the server stops is closed here
}
// ANCHOR_END: blocking-server

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Whether `fd` becomes readable within `timeout` (a listener: a connection is waiting).
fn readable(fd: BorrowedFd<'_>, timeout: Duration) -> io::Result<bool> {
    let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
    let ms = PollTimeout::try_from(timeout.as_millis()).unwrap_or(PollTimeout::MAX);
    match nix::poll::poll(&mut fds, ms) {
        Ok(n) => Ok(n > 0),
        Err(nix::errno::Errno::EINTR) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

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
        let mut buf = [0u8; 4096];
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

/// A client of the non-blocking server: its number, its socket and buffers, and whether
/// its one line is already queued back (then the server reads no more from it).
struct Client {
    id: u64,
    conn: Conn,
    echo_queued: bool,
}

/// The non-blocking server's state: clients live in slots, and a slot's index is the
/// client's token in the poller.
struct Clients {
    slots: Vec<Option<Client>>,
    free: Vec<usize>,
    open: usize,
}

impl Clients {
    /// A free slot's token: one a closed client left, or a new one.
    fn free_token(&mut self) -> usize {
        self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.slots.len() - 1
        })
    }

    fn put(&mut self, token: usize, client: Client) {
        self.slots[token] = Some(client);
        self.open += 1;
    }

    /// Closing the socket also takes it out of the poller.
    fn close(&mut self, token: usize) {
        if self.slots[token].take().is_some() {
            self.free.push(token);
            self.open -= 1;
        }
    }
}

const LISTENER: usize = usize::MAX;
const STOP: usize = usize::MAX - 1;

// ANCHOR: nonblocking-server
/// The non-blocking server: one thread, one loop. Sleep in the poller until some sockets
/// are ready, do whatever each allows without waiting (accept, greet, read, echo), and go
/// back to the poller. Every client's think time passes at once. `stop`, when given, is a
/// socket that turns readable to end the loop (`--serve`'s Ctrl-C).
pub fn nonblocking(
    listener: TcpListener,
    backend: Backend,
    protocol: Protocol,
    stop: Option<BorrowedFd<'_>>,
    watcher: &mut impl Watcher,
) -> io::Result<Totals> {
    listener.set_nonblocking(true)?;
    let mut poller = Poller::new(backend)?;
    poller.add(listener.as_fd(), LISTENER, READ)?;
    if let Some(fd) = stop {
        poller.add(fd, STOP, READ)?;
    }
    let mut clients = Clients {
        slots: Vec::new(),
        free: Vec::new(),
        open: 0,
    };
    let mut t = Totals::default();
    let mut events: Vec<Event> = Vec::new();
    while watcher.keep_going() {
        let fixed = [
            Some((listener.as_fd(), LISTENER, READ)),
            stop.map(|fd| (fd, STOP, READ)),
        ];
        let sockets = clients
            .slots
            .iter()
            .enumerate()
            .filter_map(|(token, slot)| {
                let conn = &slot.as_ref()?.conn;
                Some((conn.stream.as_fd(), token, conn.interest))
            });
        poller.wait(
            fixed.into_iter().flatten().chain(sockets),
            None,
            &mut events,
        )?;
        if events.is_empty() {
            continue; // a signal cut the wait short: nothing is ready
        }
        t.wakeups += 1;
        let ready: Vec<Ready> = events.iter().map(|ev| name(ev.token, &clients)).collect();
        watcher.woke(t.wakeups, &ready);
        for ev in &events {
            match ev.token {
                STOP => {} // the watcher says stop now: the loop ends, every socket closes
                LISTENER => {
                    accept_all(&listener, &poller, protocol, &mut clients, watcher, &mut t)?
                }
                token => serve_ready(ev, token, &poller, protocol, &mut clients, watcher, &mut t)?,
            }
        }
    }
    Ok(t) // returning drops the listener and every client: all closed
}

/// Take every connection waiting in the accept queue; each gets a slot, a token and the
/// greeting (sent at once if the socket takes it, else when it turns writable).
fn accept_all(
    listener: &TcpListener,
    poller: &Poller,
    protocol: Protocol,
    clients: &mut Clients,
    watcher: &mut impl Watcher,
    t: &mut Totals,
) -> io::Result<()> {
    loop {
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()), // queue empty
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        stream.set_nonblocking(true)?;
        let mut conn = Conn::new(stream);
        conn.outbuf.extend_from_slice(protocol.greeting());
        conn.flush()?;
        conn.interest = Interest {
            read: true,
            write: !conn.outbuf.is_empty(),
        };
        t.accepted += 1;
        let token = clients.free_token();
        poller.add(conn.stream.as_fd(), token, conn.interest)?;
        let id = t.accepted;
        clients.put(
            token,
            Client {
                id,
                conn,
                echo_queued: false,
            },
        );
        t.most_open = t.most_open.max(clients.open);
        watcher.connected(id, peer, clients.open);
    }
}

/// A client socket is ready: read what is there, queue the echo, send what the socket
/// takes, and close the client once it is done.
fn serve_ready(
    ev: &Event,
    token: usize,
    poller: &Poller,
    protocol: Protocol,
    clients: &mut Clients,
    watcher: &mut impl Watcher,
    t: &mut Totals,
) -> io::Result<()> {
    let Some(Client {
        id,
        conn,
        echo_queued,
    }) = clients.slots.get_mut(token).and_then(Option::as_mut)
    else {
        return Ok(()); // closed earlier in this same wake-up
    };
    let id = *id;
    let one_line = matches!(protocol, Protocol::OneLine { .. });
    let mut closed = false;
    if ev.readable && !*echo_queued {
        closed = match conn.fill() {
            Ok(closed) => closed,
            Err(e) if one_line => return Err(e),
            Err(_) => true, // reset by the peer: gone all the same
        };
        let echo = if one_line {
            conn.take_line()
        } else {
            Some(conn.inbuf.drain(..).collect()).filter(|bytes: &Vec<u8>| !bytes.is_empty())
        };
        if let Some(bytes) = echo {
            (t.reads, t.bytes) = (t.reads + 1, t.bytes + bytes.len() as u64);
            watcher.echoed(id, &bytes);
            conn.outbuf.extend_from_slice(&bytes);
            *echo_queued = one_line;
        } else if closed && one_line {
            return Err(hung_up());
        }
    }
    let all_sent = match conn.flush() {
        Ok(all_sent) => all_sent,
        Err(e) if one_line => return Err(e),
        Err(_) => {
            closed = true;
            true
        }
    };
    if *echo_queued && all_sent {
        clients.close(token);
        t.served += 1;
        watcher.served(id);
    } else if closed {
        clients.close(token);
        t.gone += 1;
        watcher.gone(id, clients.open);
    } else {
        let want = Interest {
            read: !*echo_queued,
            write: !all_sent,
        };
        conn.watch(poller, token, want)?;
    }
    Ok(())
}
// ANCHOR_END: nonblocking-server

/// How a watcher names the socket behind a poller token.
fn name(token: usize, clients: &Clients) -> Ready {
    match token {
        LISTENER => Ready::Listener,
        STOP => Ready::Stop,
        token => match clients.slots.get(token).and_then(Option::as_ref) {
            Some(client) => Ready::Client(client.id),
            None => Ready::Client(0),
        },
    }
}
