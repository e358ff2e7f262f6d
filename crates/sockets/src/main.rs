//! Blocking vs non-blocking sockets. A blocking read puts the thread to sleep until bytes
//! arrive; a non-blocking read returns `WouldBlock` at once and leaves the thread free, and
//! a readiness poller (epoll, poll) tells it later which sockets have bytes. Part one times
//! both reads on a socket with no data. Part two serves K slow clients (each thinks D ms
//! before it sends) with an echo server on ONE thread: blocking, it serves them one after
//! another, about K x D; non-blocking with a poller, it serves them all at once, about D.
//!
//! Run: `cargo run --release -p sockets`, then
//! `cargo run --release -p sockets -- --server nonblocking --clients 10000 --delay-ms 100`.
//!
//! Look for: WouldBlock in a few microseconds against a read that waited the whole
//! timeout; the blocking server's clients finishing 100 ms apart, the non-blocking
//! server's all together; `speedup` close to K.

mod clients;
mod readiness;
mod servers;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::process::{Child, ChildStdout, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use nix::poll::{PollFd, PollFlags, PollTimeout};

use clients::ClientReport;
use readiness::Backend;

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

    /// Which echo server(s) to run in part two.
    #[arg(long, value_enum, default_value_t = Which::Both)]
    server: Which,

    /// Read timeout for part one's blocking read, in ms: how long it may wait for bytes
    /// that never come.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    read_timeout_ms: u64,

    /// Readiness call for the non-blocking side: epoll (Linux) or poll (any Unix; costs
    /// O(all sockets) per call).
    #[arg(long, value_enum, default_value_t = readiness::DEFAULT_BACKEND)]
    poller: Backend,

    /// Internal: run as the client process, connecting to this address.
    #[arg(long, hide = true, value_name = "ADDR")]
    client_role: Option<SocketAddr>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Which {
    /// The blocking server, then the non-blocking one, against the same kind of clients.
    Both,
    /// Only the blocking server: about K x D.
    Blocking,
    /// Only the non-blocking server: about D, plus the time to connect K clients.
    Nonblocking,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.client_role {
        Some(addr) => client_role(addr, &args),
        None => run(&args),
    };
    match result {
        Ok(last_line) => {
            println!("{last_line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &Args) -> Result<String, String> {
    let clients = args.clients as usize;
    let delay = Duration::from_millis(args.delay_ms);
    let read_timeout = Duration::from_millis(args.read_timeout_ms);
    let (run_blocking, run_nonblocking) = match args.server {
        Which::Both => (true, true),
        Which::Blocking => (true, false),
        Which::Nonblocking => (false, true),
    };
    if run_nonblocking {
        // One socket per client on each side, plus a few for stdio, pipes, the poller.
        if let Some(raised) = ensure_open_files(clients as u64 + 64, clients)? {
            println!("raised the soft open-file limit (RLIMIT_NOFILE) from {raised}");
        }
    }

    let one = read_without_data(read_timeout)?;
    let blocking = if run_blocking {
        Some(serve(Which::Blocking, args)?)
    } else {
        None
    };
    let nonblocking = if run_nonblocking {
        Some(serve(Which::Nonblocking, args)?)
    } else {
        None
    };
    report(args, blocking.as_ref(), nonblocking.as_ref());

    let kd = clients as f64 * delay.as_secs_f64();
    let d = delay.as_secs_f64();
    let blocking_s = blocking.as_ref().map(|r| r.total.as_secs_f64());
    let nonblocking_s = nonblocking.as_ref().map(|r| r.total.as_secs_f64());
    let speedup = blocking_s.zip(nonblocking_s).map(|(b, n)| b / n);
    let runs = [blocking.as_ref(), nonblocking.as_ref()];
    let echoed: usize = runs.iter().flatten().map(|r| r.echoed).sum();
    let expected = runs.iter().flatten().count() * clients;
    let ideal = ideal_s(args.server, clients, delay, read_timeout);
    Ok(format!(
        "summary: clients={clients} delay_ms={} read_timeout_ms={} poller={} \
         wouldblock_us={:.1} blocking_wait_ms={:.1} blocking_s={} nonblocking_s={} \
         blocking_ratio={} nonblocking_ratio={} speedup={} echoed={echoed} all_echoed={} \
         last_greeted_ms={} nonblocking_cpu_s={} ideal_s={ideal:.3}",
        args.delay_ms,
        args.read_timeout_ms,
        args.poller.name(),
        one.wouldblock.as_secs_f64() * 1e6,
        one.blocking_wait.as_secs_f64() * 1e3,
        or_na(blocking_s, 3),
        or_na(nonblocking_s, 3),
        or_na(blocking_s.map(|b| b / kd), 3),
        or_na(nonblocking_s.map(|n| n / d), 3),
        or_na(speedup, 2),
        echoed == expected,
        or_na(
            nonblocking
                .as_ref()
                .map(|r| r.last_greeted.as_secs_f64() * 1e3),
            1
        ),
        or_na(nonblocking.as_ref().map(|r| r.cpu.as_secs_f64()), 3),
    ))
}

/// The wall time the run would take if only its deliberate waits took time: the blocking
/// read's timeout, K think times one after another, and one think time for all at once.
fn ideal_s(which: Which, clients: usize, delay: Duration, read_timeout: Duration) -> f64 {
    let kd = clients as f64 * delay.as_secs_f64();
    let d = delay.as_secs_f64();
    let servers = match which {
        Which::Both => kd + d,
        Which::Blocking => kd,
        Which::Nonblocking => d,
    };
    servers + read_timeout.as_secs_f64()
}

fn or_na(x: Option<f64>, decimals: usize) -> String {
    x.map_or_else(|| "na".to_string(), |v| format!("{v:.decimals$}"))
}

// ---------------------------------------------------------------------------------------
// Part one: a read on a socket that has no data.

struct PartOne {
    wouldblock: Duration,
    blocking_wait: Duration,
}

/// Read from a connected socket whose peer has sent nothing: non-blocking, then blocking
/// (bounded by a read timeout), then the readiness way: ask poll() first, read after.
fn read_without_data(timeout: Duration) -> Result<PartOne, String> {
    let io = |what: &'static str| move |e: io::Error| format!("part one: {what}: {e}");
    let listener = loopback_listener()?;
    let addr = listener.local_addr().map_err(io("local_addr"))?;
    let mut client = TcpStream::connect(addr).map_err(io("connect"))?;
    let (mut peer, _) = listener.accept().map_err(io("accept"))?;
    let mut buf = [0u8; 64];
    println!("part one: read from a connected socket whose peer has sent nothing");

    client
        .set_nonblocking(true)
        .map_err(io("set_nonblocking"))?;
    let t = Instant::now();
    let got = client.read(&mut buf);
    let wouldblock = t.elapsed();
    match got {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => println!(
            "  non-blocking read -> WouldBlock after {:>9.1} us   the thread is free at once",
            wouldblock.as_secs_f64() * 1e6
        ),
        other => return Err(format!("part one: expected WouldBlock, got {other:?}")),
    }

    client
        .set_nonblocking(false)
        .map_err(io("set_nonblocking"))?;
    client
        .set_read_timeout(Some(timeout))
        .map_err(io("set_read_timeout"))?;
    let t = Instant::now();
    let got = client.read(&mut buf);
    let blocking_wait = t.elapsed();
    match got {
        // Unix reports an expired read timeout as EAGAIN, i.e. WouldBlock.
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            println!(
                "  blocking read     -> gave up after   {:>9.1} ms   asleep until the {} ms \
                 read timeout (without one: forever)",
                blocking_wait.as_secs_f64() * 1e3,
                timeout.as_millis()
            )
        }
        other => {
            return Err(format!(
                "part one: expected a timed-out read, got {other:?}"
            ));
        }
    }

    // The readiness way: the peer writes, poll() says "readable", and only then we read.
    client
        .set_nonblocking(true)
        .map_err(io("set_nonblocking"))?;
    peer.write_all(b"hello").map_err(io("write"))?;
    let t = Instant::now();
    let mut fds = [PollFd::new(client.as_fd(), PollFlags::POLLIN)];
    nix::poll::poll(&mut fds, PollTimeout::from(1000u16)).map_err(|e| format!("poll: {e}"))?;
    let ready_after = t.elapsed();
    let n = client.read(&mut buf).map_err(io("read after poll"))?;
    println!(
        "  poll() then read  -> readable after  {:>9.1} us   then the non-blocking read got {n} \
         bytes: {:?}",
        ready_after.as_secs_f64() * 1e6,
        String::from_utf8_lossy(&buf[..n])
    );
    Ok(PartOne {
        wouldblock,
        blocking_wait,
    })
}

// ---------------------------------------------------------------------------------------
// Part two: the echo servers against K slow clients in a child process.

/// One echo server's run, as measured by the server and the client process.
struct ServerRun {
    /// From just before the client process started to the last echo written.
    total: Duration,
    served_at: Vec<Duration>,
    echoed: usize,
    last_greeted: Duration,
    wakeups: u64,
    most_open: usize,
    /// CPU time that the server process and the client process used during the run.
    cpu: Duration,
}

/// Start the clients in a child process, run one server on its own thread, and wait for
/// both. The clock starts when the child is ready to connect; its first connections wait
/// in the accept queue until the server thread takes them.
fn serve(which: Which, args: &Args) -> Result<ServerRun, String> {
    let clients = args.clients as usize;
    let delay = Duration::from_millis(args.delay_ms);
    let patience = delay + Duration::from_secs(10);
    let name = server_name(which);
    let listener = loopback_listener()?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("local_addr: {e}"))?;
    println!("running the {name} server on {addr} ...");

    let cpu_before = cpu_used();
    let mut client_process = ClientProcess::spawn(addr, args)?;
    client_process.wait_until_ready()?;
    let start = Instant::now();
    let (tx, rx) = mpsc::channel();
    let backend = args.poller;
    let server = thread::Builder::new()
        .name(format!("{name} server"))
        .spawn(move || {
            let served = match which {
                Which::Blocking => servers::blocking_server(listener, clients, start, patience),
                _ => servers::nonblocking_server(listener, clients, start, backend),
            };
            let _ = tx.send(served);
        })
        .map_err(|e| format!("cannot start the server thread: {e}"))?;

    let from_clients = client_process.finish();
    // The server writes each echo before its client can read it, so once the clients are
    // done the server is too. If they failed, a server error is the likelier cause.
    let wait = if from_clients.is_ok() {
        patience
    } else {
        Duration::from_millis(200)
    };
    let (served, report) = match (rx.recv_timeout(wait), from_clients) {
        (Ok(Err(e)), _) => {
            return Err(format!(
                "the {name} server failed: {e}; try fewer --clients"
            ));
        }
        (_, Err(e)) => return Err(e),
        (Err(_), Ok(_)) => {
            return Err(format!(
                "the {name} server did not finish after every echo arrived"
            ));
        }
        (Ok(Ok(served)), Ok(report)) => (served, report),
    };
    let _ = server.join();
    Ok(ServerRun {
        cpu: cpu_used().saturating_sub(cpu_before),
        total: served.served_at.iter().max().copied().unwrap_or_default(),
        echoed: report.echoed,
        last_greeted: served.last_greeted,
        served_at: served.served_at,
        wakeups: served.wakeups,
        most_open: served.most_open,
    })
}

/// CPU time (user + system) used so far by this process and by its reaped children.
fn cpu_used() -> Duration {
    use nix::sys::resource::{UsageWho, getrusage};
    use nix::sys::time::TimeValLike;
    let micros = |who| {
        getrusage(who).map_or(0, |u| {
            u.user_time().num_microseconds() + u.system_time().num_microseconds()
        })
    };
    let total = micros(UsageWho::RUSAGE_SELF) + micros(UsageWho::RUSAGE_CHILDREN);
    Duration::from_micros(u64::try_from(total).unwrap_or(0))
}

fn server_name(which: Which) -> &'static str {
    match which {
        Which::Blocking => "blocking",
        _ => "non-blocking",
    }
}

/// The client child process. Dropping it kills and reaps the child, so no error path
/// leaves a process behind.
struct ClientProcess {
    child: Option<Child>,
    stdout: Option<BufReader<ChildStdout>>,
}

impl ClientProcess {
    /// Re-run this very program as the client side: its own process, its own descriptors.
    fn spawn(addr: SocketAddr, args: &Args) -> Result<ClientProcess, String> {
        let exe = std::env::current_exe()
            .map_err(|e| format!("cannot find this program to start the clients: {e}"))?;
        let mut child = Command::new(exe)
            .args(["--client-role", &addr.to_string()])
            .args(["--clients", &args.clients.to_string()])
            .args(["--delay-ms", &args.delay_ms.to_string()])
            .args(["--poller", args.poller.name()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the client process: {e}"))?;
        let stdout = child.stdout.take().map(BufReader::new);
        Ok(ClientProcess {
            child: Some(child),
            stdout,
        })
    }

    /// Block until the child says it is about to connect: its start-up is not the
    /// server's work, and a Python child takes 100 times longer to start than a Rust one.
    fn wait_until_ready(&mut self) -> Result<(), String> {
        let mut line = String::new();
        if let Some(out) = self.stdout.as_mut() {
            let _ = out.read_line(&mut line);
        }
        if line.starts_with("client-role: ready") {
            return Ok(());
        }
        // No ready line: the child failed before it began, and its error says why.
        match self.collect() {
            Err(e) => Err(e),
            Ok(_) => Err("the client process ended before it started".to_string()),
        }
    }

    /// Wait for the clients to finish and read their one-line report.
    fn finish(mut self) -> Result<ClientReport, String> {
        self.collect()
    }

    fn collect(&mut self) -> Result<ClientReport, String> {
        let Some(child) = self.child.as_mut() else {
            return Err("the client process is gone".to_string());
        };
        let status = child
            .wait()
            .map_err(|e| format!("waiting for the client process failed: {e}"))?;
        let (mut out, mut err) = (String::new(), String::new());
        if let Some(mut pipe) = self.stdout.take() {
            let _ = pipe.read_to_string(&mut out);
        }
        if let Some(mut pipe) = child.stderr.take() {
            let _ = pipe.read_to_string(&mut err);
        }
        self.child = None; // reaped: nothing left to kill
        if !status.success() {
            let why = err.lines().find_map(|l| l.strip_prefix("error: "));
            return Err(format!(
                "the client process failed ({status}): {}",
                why.unwrap_or(err.trim())
            ));
        }
        let field = |key: &str| {
            out.split_whitespace()
                .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
                .and_then(|v| v.parse::<u64>().ok())
        };
        match field("echoed") {
            Some(echoed) => Ok(ClientReport {
                echoed: echoed as usize,
            }),
            None => Err(format!(
                "the client process sent no report: {:?}",
                out.trim()
            )),
        }
    }
}

impl Drop for ClientProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The comparison: totals against their ideals, and when each client was done.
fn report(args: &Args, blocking: Option<&ServerRun>, nonblocking: Option<&ServerRun>) {
    let clients = args.clients as usize;
    let d = Duration::from_millis(args.delay_ms).as_secs_f64();
    println!();
    println!(
        "part two: an echo server on ONE thread, {clients} client(s) in a child process; each \
         client connects, waits for the server's \"ready\", thinks {} ms, sends one line and \
         checks the echo",
        args.delay_ms
    );
    println!("  server        clients  echoed  total_s  ideal_s  total/ideal  cpu_s");
    let runs = [
        ("blocking", blocking, clients as f64 * d),
        ("non-blocking", nonblocking, d),
    ];
    for (name, run, ideal) in runs {
        if let Some(r) = run {
            let total = r.total.as_secs_f64();
            println!(
                "  {name:<12}  {clients:>7}  {:>6}  {total:>7.3}  {ideal:>7.3}  {:>11.3}  {:>5.3}",
                r.echoed,
                total / ideal,
                r.cpu.as_secs_f64()
            );
        }
    }

    // Who was done when: 100 ms apart for the blocking server, all together otherwise.
    println!("  when each client was done (ms after the client process was ready):");
    println!("    client   blocking  non-blocking");
    let rows: Vec<usize> = if clients <= 12 {
        (0..clients).collect()
    } else {
        let mut r = vec![
            0,
            1,
            2,
            clients / 4,
            clients / 2,
            3 * clients / 4,
            clients - 2,
        ];
        r.push(clients - 1);
        r.dedup();
        r
    };
    let at = |run: Option<&ServerRun>, i: usize| {
        run.and_then(|r| r.served_at.get(i))
            .map_or("-".to_string(), |t| format!("{:.1}", t.as_secs_f64() * 1e3))
    };
    let mut previous = None;
    for i in rows {
        if previous.is_some_and(|p| i > p + 1) {
            println!("    {:>6}", "...");
        }
        previous = Some(i);
        println!(
            "    {:>6}  {:>9}  {:>12}",
            i + 1,
            at(blocking, i),
            at(nonblocking, i)
        );
    }

    if let Some(b) = blocking {
        println!(
            "  blocking: the thread slept in read() through each client's think time in turn: \
             {:.3} s for {clients} x {} ms",
            b.total.as_secs_f64(),
            args.delay_ms
        );
    }
    if let Some(n) = nonblocking {
        println!(
            "  non-blocking: {} wakeups of {}, up to {} client sockets open at once; the last \
             client was greeted {:.1} ms after the start (the connect + accept ramp)",
            n.wakeups,
            args.poller.name(),
            n.most_open,
            n.last_greeted.as_secs_f64() * 1e3
        );
        // Past the think time, what is left is work: mostly the kernel's TCP handshakes,
        // segments and teardowns on loopback, for both processes.
        println!(
            "  cpu_s is the user + system time of both processes ({:.0} us per client, the \
             client process's start-up included): the time beyond one think time is this work, \
             not waiting",
            n.cpu.as_secs_f64() * 1e6 / clients as f64
        );
    }
    if let (Some(b), Some(n)) = (blocking, nonblocking) {
        println!(
            "  speedup: the non-blocking server finished {:.1}x sooner, on the same one thread",
            b.total.as_secs_f64() / n.total.as_secs_f64()
        );
    }
}

// ---------------------------------------------------------------------------------------
// The open-file limit and the client side.

/// Make sure this process may open `needed` descriptors: raise the soft RLIMIT_NOFILE
/// toward the hard one if it is lower. Returns the old soft limit if it was raised.
fn ensure_open_files(needed: u64, clients: usize) -> Result<Option<u64>, String> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)
        .map_err(|e| format!("cannot read the open-file limit (RLIMIT_NOFILE): {e}"))?;
    if soft >= needed {
        return Ok(None);
    }
    if hard < needed {
        return Err(format!(
            "--clients {clients} needs about {needed} open files per process, but the hard \
             limit RLIMIT_NOFILE is {hard} (see `ulimit -Hn`); raise it (e.g. `ulimit -n \
             {needed}` as root or in /etc/security/limits.conf) or use fewer --clients"
        ));
    }
    setrlimit(Resource::RLIMIT_NOFILE, needed, hard).map_err(|e| {
        format!(
            "cannot raise the soft open-file limit (RLIMIT_NOFILE) from {soft} to {needed} \
             (hard limit {hard}): {e}; run `ulimit -n {needed}` first or use fewer --clients"
        )
    })?;
    Ok(Some(soft))
}

/// The child process of part two: run the clients, then report on one line.
fn client_role(addr: SocketAddr, args: &Args) -> Result<String, String> {
    let clients = args.clients as usize;
    ensure_open_files(clients as u64 + 64, clients)?;
    // The parent starts its clock on this line.
    println!("client-role: ready");
    let delay = Duration::from_millis(args.delay_ms);
    let report = clients::run_clients(addr, clients, delay, args.poller)?;
    Ok(format!("client-role: echoed={}", report.echoed))
}

/// A listener on loopback with a port the OS picks.
fn loopback_listener() -> Result<TcpListener, String> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| format!("cannot listen on 127.0.0.1: {e}; is the loopback interface up?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ideal_counts_only_the_deliberate_waits() {
        let d = Duration::from_millis(100);
        let t = Duration::from_millis(200);
        assert!((ideal_s(Which::Both, 10, d, t) - 1.3).abs() < 1e-9);
        assert!((ideal_s(Which::Blocking, 20, d, t) - 2.2).abs() < 1e-9);
        assert!((ideal_s(Which::Nonblocking, 10_000, d, t) - 0.3).abs() < 1e-9);
    }

    #[test]
    fn missing_figures_print_as_na() {
        assert_eq!(or_na(None, 3), "na");
        assert_eq!(or_na(Some(1.23456), 3), "1.235");
    }
}
