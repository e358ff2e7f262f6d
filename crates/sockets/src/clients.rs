//! The clients, run in a child process of their own (`--client-role ADDR`), so that K
//! client sockets and the server's K sockets live in two descriptor tables, not one.
//!
//! Each client: connect, wait for the server's `ready`, think for D ms, send its line,
//! check the echo. The client process is itself one non-blocking thread with a timer
//! queue, so 10,000 clients cost 10,000 sockets, not 10,000 threads, and a client's think
//! time starts when the server greets it, never earlier: a server that takes clients one
//! at a time pays every think time in turn.

use std::collections::VecDeque;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::readiness::{Backend, Event, Interest, Poller, READ};
use crate::server::{Conn, GREETING, message};

/// At most this many clients are connected but not yet greeted. They wait in the server's
/// accept queue, and if that queue overflows, Linux drops the handshake and the client
/// retries a whole second later. The demo's servers ask for a backlog of 1,024, but a
/// kernel may give less (macOS's default limit is 128): 128 fits everywhere.
pub const CONNECT_WINDOW: usize = 128;

/// What the client process saw; printed as `client-role:` lines for the parent.
pub struct ClientReport {
    /// How many clients got their own line back, byte for byte.
    pub echoed: usize,
    /// For `--trace`: when each of the first clients did what (empty when not asked).
    pub times: Vec<ClientTimes>,
}

/// One client's moments, measured in the client process from its `ready` line: the
/// parent draws them as the client's track of the trace.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientTimes {
    pub client: usize,
    /// connect() called, connect() returned, the greeting read, the line sent, the echo read.
    pub connect: Duration,
    pub connected: Duration,
    pub greeted: Duration,
    pub sent: Duration,
    pub echoed: Duration,
}

#[derive(PartialEq)]
enum Phase {
    AwaitGreeting,
    Thinking,
    AwaitEcho,
}

/// Runs the clients; the first `timed` of them note their moments, measured from `t0`.
pub fn run_clients(
    addr: SocketAddr,
    clients: usize,
    delay: Duration,
    backend: Backend,
    (t0, timed): (Instant, usize),
) -> anyhow::Result<ClientReport> {
    let patience = delay + Duration::from_secs(10);
    let mut poller = Poller::new(backend).context("cannot create the poller")?;
    // Slot i is client i, and i is its token in the poller.
    let mut slots: Vec<Option<(Conn, Phase)>> = (0..clients).map(|_| None).collect();
    let mut thinking: VecDeque<(Instant, usize)> = VecDeque::new(); // deadlines, in order
    let (mut next, mut ungreeted, mut echoed) = (0usize, 0usize, 0usize);
    let mut last_progress = Instant::now();
    let mut events: Vec<Event> = Vec::new();
    let io_err = |what: &str, i: usize| format!("client {i}: cannot {what}");
    let mut times: Vec<ClientTimes> = (0..timed.min(clients))
        .map(|client| ClientTimes {
            client,
            ..ClientTimes::default()
        })
        .collect();
    let mut note = |i: usize, moment: fn(&mut ClientTimes) -> &mut Duration| {
        if let Some(t) = times.get_mut(i) {
            *moment(t) = t0.elapsed();
        }
    };

    while echoed < clients {
        // On loopback a connect completes inside the call while the accept queue has room,
        // which the window guarantees; so this plain connect never stalls the loop.
        while next < clients && ungreeted < CONNECT_WINDOW {
            note(next, |t| &mut t.connect);
            let stream = TcpStream::connect(addr).with_context(|| {
                format!(
                    "client {next} cannot connect to {addr} (out of local ports? try fewer \
                     --clients)"
                )
            })?;
            note(next, |t| &mut t.connected);
            stream
                .set_nonblocking(true)
                .with_context(|| io_err("set_nonblocking", next))?;
            poller
                .add(stream.as_fd(), next, READ)
                .with_context(|| io_err("register", next))?;
            slots[next] = Some((Conn::new(stream), Phase::AwaitGreeting));
            next += 1;
            ungreeted += 1;
        }

        let timeout = thinking.front().map_or(patience, |(at, _)| {
            at.saturating_duration_since(Instant::now())
        });
        let sources = slots.iter().enumerate().filter_map(|(i, slot)| {
            slot.as_ref()
                .map(|(c, _)| (c.stream.as_fd(), i, c.interest))
        });
        poller
            .wait(sources, Some(timeout), &mut events)
            .context("cannot wait for readiness")?;
        if !events.is_empty() {
            last_progress = Instant::now();
        }

        // Think time over: send the line.
        let now = Instant::now();
        while let Some(&(at, i)) = thinking.front() {
            if at > now {
                break;
            }
            thinking.pop_front();
            last_progress = now;
            let Some((conn, phase)) = slots[i].as_mut() else {
                continue;
            };
            conn.outbuf.extend_from_slice(&message(i));
            let sent = conn.flush().with_context(|| io_err("send", i))?;
            note(i, |t| &mut t.sent);
            *phase = Phase::AwaitEcho;
            let want = Interest {
                read: true,
                write: !sent,
            };
            conn.watch(&poller, i, want)
                .with_context(|| io_err("register", i))?;
        }

        for ev in &events {
            let i = ev.token;
            let Some((conn, phase)) = slots.get_mut(i).and_then(Option::as_mut) else {
                continue;
            };
            if ev.writable {
                let sent = conn.flush().with_context(|| io_err("send", i))?;
                let want = Interest {
                    read: true,
                    write: !sent,
                };
                conn.watch(&poller, i, want)
                    .with_context(|| io_err("register", i))?;
            }
            if !ev.readable {
                continue;
            }
            let closed = conn.fill().with_context(|| io_err("receive", i))?;
            let Some(line) = conn.take_line() else {
                if closed {
                    bail!("client {i}: the server hung up early");
                }
                continue;
            };
            match phase {
                Phase::AwaitGreeting if line == GREETING => {
                    note(i, |t| &mut t.greeted);
                    *phase = Phase::Thinking;
                    thinking.push_back((Instant::now() + delay, i));
                    ungreeted -= 1;
                }
                Phase::AwaitEcho if line == message(i) => {
                    note(i, |t| &mut t.echoed);
                    slots[i] = None; // closes the socket
                    echoed += 1;
                }
                _ => {
                    bail!(
                        "client {i}: unexpected line {:?}",
                        String::from_utf8_lossy(&line)
                    );
                }
            }
        }

        if last_progress.elapsed() > patience {
            bail!(
                "no answer from the server for {} s ({echoed} of {clients} echoed)",
                patience.as_secs()
            );
        }
    }
    Ok(ClientReport { echoed, times })
}
