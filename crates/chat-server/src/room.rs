//! The harness around the server: the room's shared state (the broadcast channel, the
//! patience, the counts), what the server reports as it goes (the trace for the demo,
//! printed lines for `--serve`), the listener with its backlog of 1,024, and the thread
//! the server runs on.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{broadcast, oneshot};

use crate::trace::{Group, Trace, Track};

/// How many connections may wait in the accept queue. tokio's `TcpListener::bind` asks
/// mio for 128; a burst of 1,000 clients would overflow it, and each dropped handshake
/// costs its client a one-second retransmit.
pub const BACKLOG: u32 = 1024;

/// The send buffer the server asks the kernel for, per client (Linux doubles it): a client
/// that stops reading fills it, and its own receive buffer, after a few hundred lines.
pub const SEND_BUFFER: usize = 64 * 1024;

/// The OS name of the server's one thread (`/proc/self/task/*/comm` shows it).
pub const THREAD_NAME: &str = "server";

/// One line said: who said it, and the bytes every other client gets.
pub struct Said {
    pub from: u64,
    pub line: String,
}

/// Why a connection ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Left {
    /// The client closed, or its socket failed.
    Quit,
    /// A write to it waited longer than the patience: the server closed it.
    Dropped,
}

/// What the server tells whoever runs it.
pub trait Watch: Send + Sync {
    fn joined(&self, _id: u64, _peer: SocketAddr, _here: u64) {}
    fn said(&self, _id: u64, _text: &str, _listeners: usize) {}
    fn lagged(&self, _id: u64, _skipped: u64) {}
    fn left(&self, _id: u64, _why: Left, _here: u64) {}
}

/// What a server run counted.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    pub joined: u64,
    pub said: u64,
    pub delivered: u64,
    pub lag_notices: u64,
    pub skipped: u64,
    pub dropped: u64,
    pub quit: u64,
    pub most_here: u64,
}

/// The room: the broadcast channel every connection subscribes to, the patience of a
/// write, and the counts.
pub struct Room {
    pub channel: broadcast::Sender<Arc<Said>>,
    pub patience: Duration,
    watch: Box<dyn Watch>,
    joined: AtomicU64,
    said: AtomicU64,
    delivered: AtomicU64,
    lag_notices: AtomicU64,
    skipped: AtomicU64,
    dropped: AtomicU64,
    quit: AtomicU64,
    most_here: AtomicU64,
}

impl Room {
    pub fn new(capacity: usize, patience: Duration, watch: impl Watch + 'static) -> Arc<Room> {
        let (channel, _) = broadcast::channel(capacity);
        Arc::new(Room {
            channel,
            patience,
            watch: Box::new(watch),
            joined: AtomicU64::new(0),
            said: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            lag_notices: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            quit: AtomicU64::new(0),
            most_here: AtomicU64::new(0),
        })
    }

    /// Clients connected now.
    pub fn here(&self) -> u64 {
        let gone = self.quit.load(Relaxed) + self.dropped.load(Relaxed);
        self.joined.load(Relaxed).saturating_sub(gone)
    }

    /// A new client: counted, and given the small send buffer.
    pub fn joined(&self, id: u64, peer: SocketAddr, stream: &TcpStream) {
        use nix::sys::socket::{setsockopt, sockopt::SndBuf};
        let _ = setsockopt(stream, SndBuf, &SEND_BUFFER); // if refused: the default buffer
        // A chat line goes out at once: no waiting (Nagle's algorithm) for the client's
        // acknowledgement of the line before, which may be delayed 40 ms.
        let _ = stream.set_nodelay(true);
        self.joined.fetch_add(1, Relaxed);
        let here = self.here();
        self.most_here.fetch_max(here, Relaxed);
        self.watch.joined(id, peer, here);
    }

    /// Client `id` said `text`: one send into the channel, which never waits.
    pub fn say(&self, id: u64, text: &str) {
        let line = format!("#{id}: {text}\n");
        let listeners = self
            .channel
            .send(Arc::new(Said { from: id, line }))
            .unwrap_or(0);
        self.said.fetch_add(1, Relaxed);
        self.watch.said(id, text, listeners.saturating_sub(1));
    }

    pub fn delivered(&self) {
        self.delivered.fetch_add(1, Relaxed);
    }

    /// Client `id` fell `skipped` lines behind: counted; the line that tells it so.
    pub fn lagged(&self, id: u64, skipped: u64) -> String {
        self.lag_notices.fetch_add(1, Relaxed);
        self.skipped.fetch_add(skipped, Relaxed);
        self.watch.lagged(id, skipped);
        format!("*** you are too slow: {skipped} lines skipped\n")
    }

    pub fn left(&self, id: u64, why: Left) {
        match why {
            Left::Quit => self.quit.fetch_add(1, Relaxed),
            Left::Dropped => self.dropped.fetch_add(1, Relaxed),
        };
        self.watch.left(id, why, self.here());
    }

    pub fn totals(&self) -> Totals {
        Totals {
            joined: self.joined.load(Relaxed),
            said: self.said.load(Relaxed),
            delivered: self.delivered.load(Relaxed),
            lag_notices: self.lag_notices.load(Relaxed),
            skipped: self.skipped.load(Relaxed),
            dropped: self.dropped.load(Relaxed),
            quit: self.quit.load(Relaxed),
            most_here: self.most_here.load(Relaxed),
        }
    }
}

/// Bind `addr` and listen with a backlog of [`BACKLOG`] (the kernel may cap it:
/// `net.core.somaxconn`). Must run inside a tokio runtime.
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?; // a restarted --serve may bind while old sockets linger
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// The demo's server: its own OS thread, one current_thread runtime on it, listening on
/// 127.0.0.1 at a port the OS picks.
pub struct ServerThread {
    pub addr: SocketAddr,
    room: Arc<Room>,
    stop: oneshot::Sender<()>,
    thread: JoinHandle<()>,
}

impl ServerThread {
    pub fn start(room: Arc<Room>) -> anyhow::Result<ServerThread> {
        let (ready, address) = std::sync::mpsc::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let for_thread = Arc::clone(&room);
        let thread = std::thread::Builder::new()
            .name(THREAD_NAME.into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => return drop(ready.send(Err(e))),
                };
                runtime.block_on(async {
                    let listener = listen("127.0.0.1:0".parse().expect("an address"));
                    let listener = match listener.and_then(|l| Ok((l.local_addr()?, l))) {
                        Ok((addr, listener)) => {
                            let _ = ready.send(Ok(addr));
                            listener
                        }
                        Err(e) => return drop(ready.send(Err(e))),
                    };
                    crate::chat_server(listener, for_thread, async {
                        let _ = stopped.await;
                    })
                    .await;
                });
            })
            .context("cannot start the server's thread; raise the thread limit (ulimit -u)")?;
        let addr = address
            .recv()
            .map_err(|_| anyhow!("the server's thread ended before it listened"))?
            .context("cannot start the server on 127.0.0.1")?;
        Ok(ServerThread {
            addr,
            room,
            stop,
            thread,
        })
    }

    /// Stops the server (every connection closed) and returns what it counted.
    pub fn stop(self) -> anyhow::Result<Totals> {
        let _ = self.stop.send(());
        self.thread
            .join()
            .map_err(|_| anyhow!("the server's thread panicked"))?;
        Ok(self.room.totals())
    }
}

/// The demo's watcher: the server's moments on one track of the trace (lag notices,
/// drops) and the clients connected as a counter.
pub struct Recorder {
    trace: Arc<Trace>,
    group: Group,
    track: Track,
}

impl Recorder {
    pub fn new(trace: &Arc<Trace>) -> Recorder {
        let group = trace.group("the server: one thread, one task per client");
        let track = trace.track(group, "chat-server thread");
        Recorder {
            trace: Arc::clone(trace),
            group,
            track,
        }
    }
}

impl Watch for Recorder {
    fn joined(&self, _id: u64, _peer: SocketAddr, here: u64) {
        self.trace
            .counter(self.group, "clients connected", Instant::now(), here as f64);
    }

    fn lagged(&self, id: u64, skipped: u64) {
        let name = format!("#{id} lagged: told it skipped {skipped} lines");
        self.trace.instant(self.track, &name, Instant::now());
    }

    fn left(&self, id: u64, why: Left, here: u64) {
        let now = Instant::now();
        if why == Left::Dropped {
            let name = format!("#{id} dropped: a write waited past the patience");
            self.trace.instant(self.track, &name, now);
        }
        self.trace
            .counter(self.group, "clients connected", now, here as f64);
    }
}
