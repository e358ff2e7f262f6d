//! `--serve [ADDR]`: the echo protocol for real clients (`nc`, `telnet`, a Python
//! socket) until Ctrl-C or SIGTERM, on the loop from scratch or on tokio. Every client
//! gets its own task that reads, echoes what it read, and reads again until the client
//! leaves; `--narrate` prints the scratch loop's decisions as you type.
//!
//! Signals without `unsafe`: SIGINT and SIGTERM are blocked in every thread and one
//! thread takes them with sigwait(2), then writes a byte to a socket pair. A task on the
//! loop waits to read that socket like any other, so Ctrl-C wakes the loop the same way
//! a client's bytes do (the self-pipe trick).

use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::Duration;

use anyhow::Context;
use nix::sys::signal::{SigSet, Signal};

use crate::executor::{self, spawn};
use crate::leaf::{self, TcpListener, TcpStream};
use crate::trace::Trace;

/// What the closing line counts; shared by the server's tasks.
#[derive(Default)]
pub struct Counts {
    accepted: AtomicU64,
    reads: AtomicU64,
    bytes: AtomicU64,
    gone: AtomicU64,
}

impl Counts {
    /// A new client: its number.
    pub fn connected(&self) -> u64 {
        self.accepted.fetch_add(1, Relaxed) + 1
    }
    pub fn echoed(&self, client: u64, bytes: &[u8]) {
        self.reads.fetch_add(1, Relaxed);
        self.bytes.fetch_add(bytes.len() as u64, Relaxed);
        let text = String::from_utf8_lossy(bytes);
        println!(
            "client #{client}: read {} bytes, echoed {text:?}",
            bytes.len()
        );
    }
    pub fn gone(&self, client: u64) {
        self.gone.fetch_add(1, Relaxed);
        let left = self.accepted.load(Relaxed) - self.gone.load(Relaxed);
        println!("client #{client} gone ({left} still connected)");
    }
}

/// The signal that stopped the server, once one has.
static STOPPED_BY: OnceLock<Signal> = OnceLock::new();

/// Block SIGINT and SIGTERM here (threads started later inherit the mask) and take them
/// in a thread of their own; the returned socket becomes readable when one arrives.
pub fn stop_signal() -> anyhow::Result<UnixStream> {
    let mut set = SigSet::empty();
    set.add(Signal::SIGINT);
    set.add(Signal::SIGTERM);
    set.thread_block()
        .context("cannot block SIGINT and SIGTERM")?;
    let (mut wake, woken) = UnixStream::pair().context("cannot make a socket pair")?;
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Ok(signal) = set.wait() {
                let _ = STOPPED_BY.set(signal);
                let _ = wake.write_all(b"!");
            }
        })
        .context("cannot start the signal thread; raise the thread limit (ulimit -u)")?;
    Ok(woken)
}

/// The first line: where to connect, and how.
pub fn announce(local: SocketAddr, runtime: &str) {
    let (ip, port) = (local.ip(), local.port());
    println!(
        "echo server on {runtime}, ONE thread, listening on {local}; connect with: nc {ip} \
         {port}   (or: telnet {ip} {port}); Ctrl-C stops it"
    );
}

/// The last line: the totals, once every socket has been closed.
pub fn closing_line(counts: &Counts, extra: &str) {
    let signal = STOPPED_BY.get().map_or("a signal", |s| s.as_str());
    let (accepted, gone) = (counts.accepted.load(Relaxed), counts.gone.load(Relaxed));
    println!(
        "stopped by {signal}: {accepted} client(s) connected, {} read(s) echoed ({} bytes), \
         {gone} gone, {} still connected and now closed{extra}; every socket closed",
        counts.reads.load(Relaxed),
        counts.bytes.load(Relaxed),
        accepted - gone
    );
}

/// The scratch loop serves until the stop signal: one task accepts, one task per client
/// echoes, one task waits for Ctrl-C and then shuts the loop down.
pub fn on_scratch_loop(addr: SocketAddr, narrate: bool) -> anyhow::Result<()> {
    let woken = stop_signal()?;
    let listener = TcpListener::bind(addr).with_context(|| cannot_listen(addr))?;
    let local = listener.local_addr().with_context(|| cannot_listen(addr))?;
    announce(local, "the loop from scratch");
    let counts = Rc::new(Counts::default());
    let woken = leaf::UnixStream::new(woken).context("cannot make the socket pair non-blocking")?;
    let tasks: Vec<(String, executor::BoxFuture)> = vec![
        (
            "server".into(),
            Box::pin(accept_forever(listener, Rc::clone(&counts))),
        ),
        ("ctrl-c".into(), Box::pin(stop_on_signal(woken))),
    ];
    let stats = executor::run(narrate, Rc::new(Trace::off()), tasks)?;
    // run() has returned: every task, and every socket a task held, is dropped.
    closing_line(
        &counts,
        &format!(
            ", {} poll(2) waits, {} polls of tasks",
            stats.reactor_waits, stats.polls
        ),
    );
    Ok(())
}

pub fn cannot_listen(addr: SocketAddr) -> String {
    format!("cannot listen on {addr}; is another server on that port? try --serve 127.0.0.1:0")
}

// ANCHOR: serve
/// Accept clients for ever; each one gets its own task, so a quiet client holds up no one.
async fn accept_forever(listener: TcpListener, counts: Rc<Counts>) {
    loop {
        let stream = match listener.accept().await {
            Ok(stream) => stream,
            Err(e) => {
                // Out of descriptors (ulimit -n), say: the queue stays readable and accept
                // fails again at once, so wait a moment instead of spinning.
                println!("accept failed: {e}; trying again in 100 ms");
                leaf::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let client = counts.connected();
        let peer = stream.peer_addr().map_or("?".into(), |a| a.to_string());
        println!("client #{client} connected from {peer}; it gets a task of its own");
        spawn(
            format!("client #{client}"),
            echo(client, stream, Rc::clone(&counts)),
        );
    }
}

/// Read what the client typed and send it back, until it leaves. Each `.await` that
/// finds no bytes parks this task on the socket, and the loop runs the others.
async fn echo(client: u64, stream: TcpStream, counts: Rc<Counts>) {
    let mut buf = [0u8; 4096];
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break, // the client closed (or reset) its side
            Ok(n) => n,
        };
        if stream.write_all(&buf[..n]).await.is_err() {
            break;
        }
        counts.echoed(client, &buf[..n]);
    }
    counts.gone(client);
}

/// Wait, like any task, for the signal thread's byte; then end the loop.
async fn stop_on_signal(woken: leaf::UnixStream) {
    let _ = woken.read(&mut [0u8; 1]).await;
    executor::shutdown();
}
// ANCHOR_END: serve

/// The same server on tokio's current-thread runtime: a task per client, and the accept
/// loop raced against the stop signal with `select!`.
pub fn on_tokio(addr: SocketAddr) -> anyhow::Result<()> {
    let woken = stop_signal()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime; check the open file limit (ulimit -n)")?;
    let counts = Arc::new(Counts::default());
    let served = rt.block_on(tokio_server(addr, woken, Arc::clone(&counts)));
    drop(rt); // drops every client task still running, and its socket
    served?;
    closing_line(&counts, "");
    Ok(())
}

async fn tokio_server(
    addr: SocketAddr,
    woken: UnixStream,
    counts: Arc<Counts>,
) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = crate::on_tokio::listen(addr).with_context(|| cannot_listen(addr))?;
    let local = listener.local_addr().with_context(|| cannot_listen(addr))?;
    announce(local, "tokio current_thread");
    woken
        .set_nonblocking(true)
        .context("cannot make the socket pair non-blocking")?;
    let woken =
        tokio::net::UnixStream::from_std(woken).context("cannot hand the socket pair to tokio")?;
    loop {
        let (mut stream, peer) = tokio::select! {
            _ = woken.readable() => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    println!("accept failed: {e}; trying again in 100 ms");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let client = counts.connected();
        println!("client #{client} connected from {peer}; it gets a task of its own");
        let counts = Arc::clone(&counts);
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            loop {
                let n = match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                if stream.write_all(&buf[..n]).await.is_err() {
                    break;
                }
                counts.echoed(client, &buf[..n]);
            }
            counts.gone(client);
        });
    }
}
