//! `--serve [ADDR]`: the demo's echo server kept up for your own clients (`nc`, `telnet`,
//! a Python socket), until Ctrl-C or SIGTERM. It is the same server as part two's
//! (`server.rs`), speaking the plain echo protocol, with a watcher that prints each event
//! a learner should see: a client connected, bytes read and echoed, a client gone; for the
//! blocking server the moment a second client waits while the first holds the thread, for
//! the non-blocking one each wake-up of the poller and which sockets it reported.
//!
//! Signals without `unsafe`: SIGINT and SIGTERM are blocked in every thread, and one
//! thread takes them with sigwait(2). It sets a flag and writes a byte to a socket pair
//! (the self-pipe trick), so the non-blocking server's poller wakes up for it; the
//! blocking server sees the flag on its next tick.

use std::io::Write;
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;

use anyhow::Context;
use nix::sys::signal::{SigSet, Signal};

use crate::readiness::Backend;
use crate::server::{self, Protocol, Ready, Totals, Watcher};

/// Set by the signal thread; `wake` is the write end of the self-pipe.
struct Stop {
    flag: AtomicBool,
    signal: OnceLock<Signal>,
    wake: UnixStream,
}

/// Bind, announce, serve until a signal, then close every socket and print the totals.
pub fn serve(addr: SocketAddr, blocking: bool, backend: Backend) -> anyhow::Result<()> {
    let (stop, woken) = catch_stop_signals()?;
    let listener = server::listen(addr).with_context(|| {
        format!("cannot listen on {addr}; is another server on that port? try --serve 127.0.0.1:0")
    })?;
    let local = listener
        .local_addr()
        .context("cannot read the listener's address")?;
    let (ip, port) = (local.ip(), local.port());
    let kind = if blocking { "blocking" } else { "non-blocking" };
    println!(
        "{kind} echo server on ONE thread, listening on {local}; connect with: nc {ip} {port}   \
         (or: telnet {ip} {port}); Ctrl-C stops it"
    );
    let mut printer = Printer {
        stop: &stop,
        blocking,
        backend,
    };
    let totals = if blocking {
        server::blocking(listener, Protocol::Echo, &mut printer)
    } else {
        let stop = Some(woken.as_fd());
        server::nonblocking(listener, backend, Protocol::Echo, stop, &mut printer)
    }
    .context("the echo server failed")?;
    // Every socket the server held was dropped when it returned: the closing line is true.
    closing_line(&stop, &totals, blocking, backend);
    Ok(())
}

fn closing_line(stop: &Stop, t: &Totals, blocking: bool, backend: Backend) {
    let signal = stop.signal.get().map_or("a signal", |s| s.as_str());
    let wakeups = if blocking {
        String::new()
    } else {
        format!(", {} wake-ups of {}", t.wakeups, backend.name())
    };
    println!(
        "stopped by {signal}: {} client(s) connected, {} read(s) echoed ({} bytes), {} gone, \
         {} still connected and now closed{wakeups}; every socket closed",
        t.accepted,
        t.reads,
        t.bytes,
        t.gone,
        t.accepted - t.gone
    );
}

/// Block SIGINT and SIGTERM in this thread (threads started later inherit the mask) and
/// take them in a thread of their own with sigwait(2).
fn catch_stop_signals() -> anyhow::Result<(Arc<Stop>, UnixStream)> {
    let mut set = SigSet::empty();
    set.add(Signal::SIGINT);
    set.add(Signal::SIGTERM);
    set.thread_block()
        .context("cannot block SIGINT and SIGTERM")?;
    let (wake, woken) = UnixStream::pair().context("cannot make a socket pair")?;
    let stop = Arc::new(Stop {
        flag: AtomicBool::new(false),
        signal: OnceLock::new(),
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
        .context("cannot start the signal thread; raise the thread limit (ulimit -u)")?;
    Ok((stop, woken))
}

/// `--serve`'s watcher: one line per event, and "go on until a stop signal".
struct Printer<'a> {
    stop: &'a Stop,
    blocking: bool,
    backend: Backend,
}

impl Watcher for Printer<'_> {
    fn keep_going(&self) -> bool {
        !self.stop.flag.load(Ordering::SeqCst)
    }

    fn connected(&mut self, id: u64, peer: SocketAddr, open: usize) {
        if self.blocking {
            println!(
                "client #{id} connected from {peer}; the thread serves only #{id} until it leaves"
            );
        } else {
            println!(
                "client #{id} connected from {peer} ({open} connected now, all served by this one thread)"
            );
        }
    }

    fn echoed(&mut self, id: u64, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        println!("client #{id}: read {} bytes, echoed {text:?}", bytes.len());
    }

    fn gone(&mut self, id: u64, open: usize) {
        if self.blocking {
            println!("client #{id} gone; the thread is free for the next one");
        } else {
            println!("client #{id} gone ({open} still connected)");
        }
    }

    fn woke(&mut self, wakeup: u64, ready: &[Ready]) {
        let names: Vec<String> = ready
            .iter()
            .map(|r| match r {
                Ready::Listener => "the listener".to_string(),
                Ready::Stop => "the stop signal".to_string(),
                Ready::Client(id) => format!("client #{id}"),
            })
            .collect();
        println!(
            "wake-up #{wakeup}: {} reported {} socket(s) ready: {}",
            self.backend.name(),
            ready.len(),
            names.join(", ")
        );
    }

    fn queue_waiting(&mut self, id: u64) {
        println!(
            "a new client is waiting in the accept queue: the one thread is blocked in read() \
             for client #{id}, so it waits until #{id} leaves"
        );
    }
}
