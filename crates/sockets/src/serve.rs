//! `--serve [ADDR]`: one echo server kept up for your own clients (`nc`, `telnet`, a
//! Python socket), until Ctrl-C or SIGTERM. Each event a learner should see is one line:
//! a client connected, bytes read and echoed, a client gone; for the blocking server the
//! moment a second client waits while the first holds the thread, for the non-blocking
//! one each wake-up of the poller and how many sockets it reported.
//!
//! Signals without `unsafe`: SIGINT and SIGTERM are blocked in every thread, and one
//! thread takes them with sigwait(2). It sets a flag and writes a byte to a socket pair
//! (the self-pipe trick), so the non-blocking server's poller wakes up for it; the
//! blocking server sees the flag on its next tick.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use nix::poll::{PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, Signal};

use crate::readiness::{Backend, Event, Interest, Poller, READ};
use crate::servers::Conn;

/// How often the blocking server's waits (accept, read) come back to check for a stop
/// and to look at the accept queue. They serve nobody else meanwhile.
const TICK: Duration = Duration::from_millis(200);

/// What the closing line counts.
#[derive(Default)]
struct Totals {
    accepted: u64,
    reads: u64,
    bytes: u64,
    gone: u64,
    wakeups: u64,
}

/// Set by the signal thread; `wake` is the write end of the self-pipe.
struct Stop {
    flag: AtomicBool,
    signal: std::sync::OnceLock<Signal>,
    wake: UnixStream,
}

impl Stop {
    fn requested(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

/// Bind, announce, serve until a signal, then close every socket and print the totals.
pub fn serve(addr: SocketAddr, blocking: bool, backend: Backend) -> Result<(), String> {
    let (stop, woken) = catch_stop_signals()?;
    let listener = TcpListener::bind(addr).map_err(|e| {
        format!(
            "cannot listen on {addr}: {e}; is another server on that port? try --serve 127.0.0.1:0"
        )
    })?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("local_addr: {e}"))?;
    let (ip, port) = (local.ip(), local.port());
    let kind = if blocking { "blocking" } else { "non-blocking" };
    println!(
        "{kind} echo server on ONE thread, listening on {local}; connect with: nc {ip} {port}   \
         (or: telnet {ip} {port}); Ctrl-C stops it"
    );
    let totals = if blocking {
        serve_blocking(listener, &stop)
    } else {
        serve_nonblocking(listener, woken, backend)
    }
    .map_err(|e| format!("the echo server failed: {e}"))?;
    // Every socket the server held was dropped when it returned: the closing line is true.
    let signal = stop.signal.get().map_or("a signal", |s| s.as_str());
    let wakeups = if blocking {
        String::new()
    } else {
        format!(", {} wake-ups of {}", totals.wakeups, backend.name())
    };
    println!(
        "stopped by {signal}: {} client(s) connected, {} read(s) echoed ({} bytes), {} gone, \
         {} still connected and now closed{wakeups}; every socket closed",
        totals.accepted,
        totals.reads,
        totals.bytes,
        totals.gone,
        totals.accepted - totals.gone
    );
    Ok(())
}

/// Block SIGINT and SIGTERM in this thread (threads started later inherit the mask) and
/// take them in a thread of their own with sigwait(2).
fn catch_stop_signals() -> Result<(Arc<Stop>, UnixStream), String> {
    let mut set = SigSet::empty();
    set.add(Signal::SIGINT);
    set.add(Signal::SIGTERM);
    set.thread_block()
        .map_err(|e| format!("cannot block SIGINT/SIGTERM: {e}"))?;
    let (wake, woken) = UnixStream::pair().map_err(|e| format!("socketpair: {e}"))?;
    let stop = Arc::new(Stop {
        flag: AtomicBool::new(false),
        signal: std::sync::OnceLock::new(),
        wake,
    });
    let for_thread = Arc::clone(&stop);
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Ok(signal) = set.wait() {
                let _ = for_thread.signal.set(signal);
                for_thread.flag.store(true, Ordering::SeqCst);
                let _ = (&for_thread.wake).write_all(b"!");
            }
        })
        .map_err(|e| format!("cannot start the signal thread: {e}"))?;
    Ok((stop, woken))
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

// ANCHOR: serve-blocking
/// The blocking server: take one client and serve it until it leaves; only then take the
/// next. While client #1 is connected the thread sits in read(), so client #2 waits.
fn serve_blocking(listener: TcpListener, stop: &Stop) -> io::Result<Totals> {
    let mut t = Totals::default();
    while !stop.requested() {
        if !readable(listener.as_fd(), TICK)? {
            continue; // nobody yet; look at the stop flag and wait again
        }
        let (mut stream, peer) = listener.accept()?;
        t.accepted += 1;
        let id = t.accepted;
        println!(
            "client #{id} connected from {peer}; the thread serves only #{id} until it leaves"
        );
        stream.set_read_timeout(Some(TICK))?;
        let mut told_waiting = false;
        let mut buf = [0u8; 4096];
        while !stop.requested() {
            match stream.read(&mut buf) {
                Ok(0) => break, // the client closed its side
                Ok(n) => {
                    let echoed = stream.write_all(&buf[..n]);
                    print_echo(id, &buf[..n], &mut t);
                    if echoed.is_err() {
                        break;
                    }
                }
                // The tick: still blocked in read() for this client. Is anyone waiting?
                Err(e) if is_timeout(&e) => {
                    if !told_waiting && readable(listener.as_fd(), Duration::ZERO)? {
                        told_waiting = true;
                        println!(
                            "a new client is waiting in the accept queue: the one thread is \
                             blocked in read() for client #{id}, so it waits until #{id} leaves"
                        );
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break, // reset by the peer: gone all the same
            }
        }
        if !stop.requested() {
            t.gone += 1;
            println!("client #{id} gone; the thread is free for the next one");
        }
    }
    Ok(t)
}
// ANCHOR_END: serve-blocking

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn print_echo(id: u64, bytes: &[u8], t: &mut Totals) {
    t.reads += 1;
    t.bytes += bytes.len() as u64;
    let text = String::from_utf8_lossy(bytes);
    println!("client #{id}: read {} bytes, echoed {text:?}", bytes.len());
}

// ANCHOR: serve-nonblocking
/// The non-blocking server: one thread sleeps in the poller until some sockets are
/// ready, does what each allows without waiting (accept, read, echo), and sleeps again.
fn serve_nonblocking(
    listener: TcpListener,
    woken: UnixStream,
    backend: Backend,
) -> io::Result<Totals> {
    const LISTENER: usize = usize::MAX;
    const STOP: usize = usize::MAX - 1;
    listener.set_nonblocking(true)?;
    let mut poller = Poller::new(backend)?;
    poller.add(listener.as_fd(), LISTENER, READ)?;
    poller.add(woken.as_fd(), STOP, READ)?;
    let mut conns: Vec<Option<(u64, Conn)>> = Vec::new(); // token = index
    let mut t = Totals::default();
    let mut events: Vec<Event> = Vec::new();
    loop {
        let fixed = [
            (listener.as_fd(), LISTENER, READ),
            (woken.as_fd(), STOP, READ),
        ];
        let clients = conns.iter().enumerate().filter_map(|(token, slot)| {
            slot.as_ref()
                .map(|(_, c)| (c.stream.as_fd(), token, c.interest))
        });
        poller.wait(fixed.into_iter().chain(clients), None, &mut events)?;
        if events.is_empty() {
            continue; // interrupted, nothing ready
        }
        t.wakeups += 1;
        let names: Vec<String> = events
            .iter()
            .map(|ev| match ev.token {
                LISTENER => "the listener".to_string(),
                STOP => "the stop signal".to_string(),
                token => conns[token]
                    .as_ref()
                    .map_or("?".into(), |(id, _)| format!("client #{id}")),
            })
            .collect();
        println!(
            "wake-up #{}: {} reported {} socket(s) ready: {}",
            t.wakeups,
            backend.name(),
            events.len(),
            names.join(", ")
        );
        for ev in &events {
            match ev.token {
                STOP => return Ok(t), // returning drops every socket: all closed
                LISTENER => accept_all(&listener, &poller, &mut conns, &mut t)?,
                token => serve_ready(token, &poller, &mut conns, &mut t)?,
            }
        }
    }
}

/// Take every connection waiting in the accept queue; each gets a slot and a token.
fn accept_all(
    listener: &TcpListener,
    poller: &Poller,
    conns: &mut Vec<Option<(u64, Conn)>>,
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
        t.accepted += 1;
        let token = conns.iter().position(Option::is_none).unwrap_or_else(|| {
            conns.push(None);
            conns.len() - 1
        });
        poller.add(stream.as_fd(), token, READ)?;
        conns[token] = Some((t.accepted, Conn::new(stream)));
        let open = conns.iter().flatten().count();
        println!(
            "client #{} connected from {peer} ({open} connected now, all served by this one thread)",
            t.accepted
        );
    }
}

/// A client socket is ready: read what is there, queue it back, send what the socket takes.
fn serve_ready(
    token: usize,
    poller: &Poller,
    conns: &mut [Option<(u64, Conn)>],
    t: &mut Totals,
) -> io::Result<()> {
    let Some((id, conn)) = conns[token].as_mut() else {
        return Ok(());
    };
    let id = *id;
    let before = conn.inbuf.len();
    let closed = conn.fill().unwrap_or(true); // an error (reset) ends it like a close
    if conn.inbuf.len() > before {
        print_echo(id, &conn.inbuf[before..], t);
        let line: Vec<u8> = conn.inbuf.drain(..).collect();
        conn.outbuf.extend_from_slice(&line);
    }
    let all_sent = conn.flush().unwrap_or(true);
    if closed {
        conns[token] = None; // closing it also takes it out of the poller
        t.gone += 1;
        println!(
            "client #{id} gone ({} still connected)",
            conns.iter().flatten().count()
        );
        return Ok(());
    }
    conn.watch(
        poller,
        token,
        Interest {
            read: true,
            write: !all_sent,
        },
    )
}
// ANCHOR_END: serve-nonblocking
