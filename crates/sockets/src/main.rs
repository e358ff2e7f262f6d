//! Blocking vs non-blocking sockets. A blocking read puts the thread to sleep until bytes
//! arrive; a non-blocking read returns `WouldBlock` at once and leaves the thread free, and
//! a readiness poller (epoll, poll) tells it later which sockets have bytes. Part one times
//! both reads on a socket with no data. Part two serves K slow clients (each thinks D ms
//! before it sends) with an echo server on ONE thread: blocking, it serves them one after
//! another, about K x D; non-blocking with a poller, it serves them all at once, about D.
//!
//! Run: `cargo run --release -p sockets`; keep a server up for your own `nc` clients with
//! `cargo run --release -p sockets -- --serve --server blocking` (or `nonblocking`).
//!
//! Look for: WouldBlock in a few microseconds against a read that waited the whole
//! timeout; the blocking server's clients finishing 100 ms apart, the non-blocking
//! server's all together; `speedup` close to K. `--trace t.json` writes the run for
//! Perfetto or vizviewer: a track per client, one after another against all at once.

mod cli;
mod clients;
mod limits;
mod output;
mod readiness;
mod report;
mod serve;
mod server;
mod timeline;
mod trace;
mod trial;

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use nix::poll::{PollFd, PollFlags, PollTimeout};

use cli::Which;
use readiness::Backend;
use report::{PartOne, Summary};
use trace::Trace;
use trial::{Kind, Load};

/// Blocking vs non-blocking sockets: a read that waits vs WouldBlock, and an echo server on
/// one thread, blocking vs polling non-blocking sockets.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many clients connect to each echo server.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    clients: u32,

    /// How long each client thinks after the server's greeting before it sends, in ms.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    delay_ms: u64,

    /// Which echo server(s) to run [default: both; with --serve: blocking].
    #[arg(long, value_enum)]
    server: Option<Which>,

    /// Read timeout for part one's blocking read, in ms: how long it may wait for bytes
    /// that never come.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    read_timeout_ms: u64,

    /// Readiness call for the non-blocking side: epoll (Linux) or poll (any Unix; costs
    /// O(all sockets) per call).
    #[arg(long, value_enum, default_value_t = readiness::DEFAULT_BACKEND)]
    poller: Backend,

    /// Keep one echo server up for your own clients (nc, telnet) until Ctrl-C, printing
    /// each event; ADDR defaults to 127.0.0.1:8000 (port 0: a free port).
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:8000",
          conflicts_with_all = ["clients", "delay_ms", "read_timeout_ms", "trace"])]
    serve: Option<SocketAddr>,

    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,

    /// Internal: run as the client process, connecting to this address.
    #[arg(long, hide = true, value_name = "ADDR")]
    client_role: Option<SocketAddr>,

    /// Internal: how many of the client process's clients report their moments.
    #[arg(long, hide = true, default_value_t = 0)]
    client_times: usize,
}

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = Args::parse();
    let load = Load {
        clients: args.clients as usize,
        delay: Duration::from_millis(args.delay_ms),
        poller: args.poller,
        timed: match args.trace {
            Some(_) => args.client_times.max(timeline::DRAWN_CLIENTS),
            None => args.client_times,
        },
    };
    let result = match (args.serve, args.client_role) {
        (Some(addr), _) => serve::serve(addr, cli::serve_blocking(args.server), args.poller),
        (None, Some(addr)) => trial::client_role(addr, load),
        (None, None) => demo(&args, load).map(|summary| println!("{summary}")),
    };
    // A failure at run time is one line that says what to do: `error: context: cause`.
    if let Err(error) = result {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Part one, then part two with the chosen servers, then the report.
fn demo(args: &Args, load: Load) -> anyhow::Result<Summary> {
    let which = args.server.unwrap_or(Which::Both);
    if which != Which::Blocking {
        limits::make_room_for(load.clients)?;
    }
    let trace = match args.trace {
        Some(_) => Trace::new(Instant::now()),
        None => Trace::off(),
    };
    let read_timeout = Duration::from_millis(args.read_timeout_ms);
    let one = read_without_data(read_timeout)
        .context("part one failed; is the loopback interface up?")?;
    timeline::part_one(&trace, &one, read_timeout);
    report::part_two_heading(load.clients, load.delay);
    let blocking = match which {
        Which::Nonblocking => None,
        _ => Some(trial::time_server(Kind::Blocking, load)?),
    };
    let nonblocking = match which {
        Which::Blocking => None,
        _ => Some(trial::time_server(Kind::Nonblocking, load)?),
    };
    let summary = Summary::new(load, read_timeout, one, blocking, nonblocking);
    report::part_two(&summary);
    if let Some(path) = &args.trace {
        timeline::write(&trace, &summary, path)?;
    }
    Ok(summary)
}

// ANCHOR: part-one
/// Read from a connected socket whose peer has sent nothing: non-blocking, then blocking
/// (bounded by a read timeout), then the readiness way: ask poll() first, read after.
fn read_without_data(timeout: Duration) -> io::Result<PartOne> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?; // the OS picks the port
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    let (mut peer, _) = listener.accept()?; // connected, and it sends nothing yet
    let mut buf = [0u8; 64];
    report::part_one_heading();

    // Non-blocking: with no bytes there, read fails at once with WouldBlock.
    client.set_nonblocking(true)?;
    let t1 = Instant::now();
    let got = client.read(&mut buf);
    let wouldblock = t1.elapsed();
    report::expect_wouldblock(got, "the non-blocking read")?;
    report::nonblocking_read(wouldblock);

    // Blocking: the thread sleeps in read until bytes come or the timeout passes (Unix
    // reports an expired read timeout as WouldBlock too, but only after the wait).
    client.set_nonblocking(false)?;
    client.set_read_timeout(Some(timeout))?;
    let t2 = Instant::now();
    let got = client.read(&mut buf);
    let blocking_wait = t2.elapsed();
    report::expect_wouldblock(got, "the blocking read with a timeout")?;
    report::blocking_read(blocking_wait, timeout);

    // The readiness way: the peer writes, poll() says "readable", and only then we read.
    client.set_nonblocking(true)?;
    peer.write_all(b"hello")?;
    let t3 = Instant::now();
    let mut fds = [PollFd::new(client.as_fd(), PollFlags::POLLIN)];
    nix::poll::poll(&mut fds, PollTimeout::from(1000u16))?;
    let ready_after = t3.elapsed();
    let n = client.read(&mut buf)?; // ready: this read cannot wait
    report::poll_then_read(ready_after, &buf[..n]);
    Ok(PartOne {
        wouldblock,
        blocking_wait,
        ready_after,
        started: [t1, t2, t3], // for --trace
    })
}
// ANCHOR_END: part-one
