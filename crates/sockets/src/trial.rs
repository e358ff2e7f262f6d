//! Part two's harness: one server against K slow clients in a child process, timed. The
//! clients are this very program re-run with `--client-role ADDR` (see `clients.rs`), so
//! the K client sockets and the server's K sockets sit in two descriptor tables.

use std::io::{BufRead, BufReader, Read};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};

use crate::clients::{ClientReport, ClientTimes};
use crate::limits::cpu_used;
use crate::readiness::Backend;
use crate::server::{self, Protocol, Ready, Totals, Watcher};

/// What the clients are told to do.
#[derive(Clone, Copy)]
pub struct Load {
    pub clients: usize,
    pub delay: Duration,
    pub poller: Backend,
    /// How many clients note their moments for `--trace` (0: no trace).
    pub timed: usize,
}

/// Which of the two servers a trial runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Blocking,
    Nonblocking,
}

/// One echo server's run, as measured by the server and the client process.
pub struct ServerRun {
    /// From just before the client process started to the last echo written.
    pub total: Duration,
    pub served_at: Vec<Duration>,
    pub echoed: usize,
    pub last_greeted: Duration,
    pub wakeups: u64,
    pub most_open: usize,
    /// CPU time that the server process and the client process used during the run.
    pub cpu: Duration,
    /// The clock's zero for `served_at` and the moments below: the client process's ready line.
    pub start: Instant,
    /// What the server did when, for `--trace` (empty without it).
    pub moments: ServerMoments,
    /// What the first clients did when, measured in the client process (for `--trace`).
    pub client_times: Vec<ClientTimes>,
}

/// The server's moments, noted by the demo's watcher when `--trace` asks for them.
#[derive(Default)]
pub struct ServerMoments {
    /// (client id, when it was accepted and greeted)
    pub greeted: Vec<(u64, Duration)>,
    /// (client id, when its echo was written and its socket closed)
    pub served: Vec<(u64, Duration)>,
    /// (when, how many sockets were ready) for each wake-up of the non-blocking server
    pub wakeups: Vec<(Duration, usize)>,
}

/// At most this many wake-ups are noted for the trace; the count is always exact.
const MOST_WAKEUPS_NOTED: usize = 2_000;

/// The demo's watcher: serve `clients`, then stop; note when each was greeted and done.
struct Stopwatch {
    clients: usize,
    start: Instant,
    served_at: Vec<Duration>,
    last_greeted: Duration,
    /// Note the moments for `--trace`: only when asked, so a run without it does no more.
    noting: bool,
    moments: ServerMoments,
}

impl Watcher for Stopwatch {
    fn keep_going(&self) -> bool {
        self.served_at.len() < self.clients
    }
    fn connected(&mut self, id: u64, _peer: SocketAddr, _open: usize) {
        self.last_greeted = self.start.elapsed();
        if self.noting {
            self.moments.greeted.push((id, self.last_greeted));
        }
    }
    fn served(&mut self, id: u64) {
        let at = self.start.elapsed();
        self.served_at.push(at);
        if self.noting {
            self.moments.served.push((id, at));
        }
    }
    fn woke(&mut self, _wakeup: u64, ready: &[Ready]) {
        if self.noting && self.moments.wakeups.len() < MOST_WAKEUPS_NOTED {
            let at = self.start.elapsed();
            self.moments.wakeups.push((at, ready.len()));
        }
    }
}

/// Start the clients in a child process, run the server on its own thread, and wait for
/// both. The clock starts when the child is ready to connect; its first connections wait
/// in the accept queue until the server thread takes them.
pub fn time_server(kind: Kind, load: Load) -> anyhow::Result<ServerRun> {
    let name = match kind {
        Kind::Blocking => "blocking",
        Kind::Nonblocking => "non-blocking",
    };
    let patience = load.delay + Duration::from_secs(10);
    let listener = loopback_listener()?;
    let addr = listener
        .local_addr()
        .context("cannot read the listener's address")?;
    println!("running the {name} server on {addr} ...");

    let cpu_before = cpu_used();
    let mut client_process = ClientProcess::spawn(addr, load)?;
    client_process.wait_until_ready()?;
    let mut watch = Stopwatch {
        clients: load.clients,
        start: Instant::now(),
        served_at: Vec::with_capacity(load.clients),
        last_greeted: Duration::ZERO,
        noting: load.timed > 0,
        moments: ServerMoments::default(),
    };
    let (tx, rx) = mpsc::channel();
    let server = thread::Builder::new()
        .name(format!("{name} server"))
        .spawn(move || {
            let protocol = Protocol::OneLine { patience };
            let totals = match kind {
                Kind::Blocking => server::blocking(listener, protocol, &mut watch),
                Kind::Nonblocking => {
                    server::nonblocking(listener, load.poller, protocol, None, &mut watch)
                }
            };
            let _ = tx.send(totals.map(|totals| (totals, watch)));
        })
        .context("cannot start the server thread; raise the thread limit (ulimit -u)")?;

    let from_clients = client_process.finish();
    // The server writes each echo before its client can read it, so once the clients are
    // done the server is too. If they failed, a server error is the likelier cause.
    let wait = if from_clients.is_ok() {
        patience
    } else {
        Duration::from_millis(200)
    };
    let (totals, watch, report): (Totals, Stopwatch, ClientReport) =
        match (rx.recv_timeout(wait), from_clients) {
            (Ok(Err(e)), _) => {
                return Err(
                    anyhow!(e).context(format!("the {name} server failed; try fewer --clients"))
                );
            }
            (_, Err(e)) => return Err(e),
            (Err(_), Ok(_)) => bail!("the {name} server did not finish after every echo arrived"),
            (Ok(Ok((totals, watch))), Ok(report)) => (totals, watch, report),
        };
    let _ = server.join();
    Ok(ServerRun {
        cpu: cpu_used().saturating_sub(cpu_before),
        start: watch.start,
        moments: watch.moments,
        client_times: report.times,
        total: watch.served_at.iter().max().copied().unwrap_or_default(),
        echoed: report.echoed,
        last_greeted: watch.last_greeted,
        served_at: watch.served_at,
        wakeups: totals.wakeups,
        most_open: totals.most_open,
    })
}

/// A listener on loopback with a port the OS picks, and room for a burst of clients.
pub fn loopback_listener() -> anyhow::Result<TcpListener> {
    server::listen((Ipv4Addr::LOCALHOST, 0).into())
        .context("cannot listen on 127.0.0.1; is the loopback interface up?")
}

/// The client child process. Dropping it kills and reaps the child, so no error path
/// leaves a process behind.
struct ClientProcess {
    child: Option<Child>,
    stdout: Option<BufReader<ChildStdout>>,
}

impl ClientProcess {
    /// Re-run this very program as the client side: its own process, its own descriptors.
    fn spawn(addr: SocketAddr, load: Load) -> anyhow::Result<ClientProcess> {
        let exe =
            std::env::current_exe().context("cannot find this program to start the clients")?;
        let mut child = Command::new(exe)
            .args(["--client-role", &addr.to_string()])
            .args(["--clients", &load.clients.to_string()])
            .args(["--delay-ms", &load.delay.as_millis().to_string()])
            .args(["--poller", load.poller.name()])
            .args(["--client-times", &load.timed.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot start the client process; raise the process limit (ulimit -u)")?;
        let stdout = child.stdout.take().map(BufReader::new);
        Ok(ClientProcess {
            child: Some(child),
            stdout,
        })
    }

    /// Block until the child says it is about to connect: its start-up is not the
    /// server's work, and a Python child takes 100 times longer to start than a Rust one.
    fn wait_until_ready(&mut self) -> anyhow::Result<()> {
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
            Ok(_) => bail!("the client process ended before it started"),
        }
    }

    /// Wait for the clients to finish and read their one-line report.
    fn finish(mut self) -> anyhow::Result<ClientReport> {
        self.collect()
    }

    fn collect(&mut self) -> anyhow::Result<ClientReport> {
        let Some(child) = self.child.as_mut() else {
            bail!("the client process is gone");
        };
        let status = child.wait().context("cannot wait for the client process")?;
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
            bail!(
                "the client process failed ({status}): {}",
                why.unwrap_or(err.trim())
            );
        }
        let field = |key: &str| {
            out.split_whitespace()
                .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
                .and_then(|v| v.parse::<u64>().ok())
        };
        let times = out.lines().filter_map(parse_times).collect();
        match field("echoed") {
            Some(echoed) => Ok(ClientReport {
                echoed: echoed as usize,
                times,
            }),
            None => bail!("the client process sent no report: {:?}", out.trim()),
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

/// The child process of part two: run the clients, then report: for `--trace`, one line
/// of moments per timed client (microseconds since the ready line), then the count.
pub fn client_role(addr: SocketAddr, load: Load) -> anyhow::Result<()> {
    crate::limits::ensure_open_files(load.clients)?;
    // The parent starts its clock on this line.
    println!("client-role: ready");
    let t0 = Instant::now();
    let report = crate::clients::run_clients(
        addr,
        load.clients,
        load.delay,
        load.poller,
        (t0, load.timed),
    )?;
    for t in &report.times {
        let us = |d: Duration| d.as_micros().to_string();
        let moments = [t.connect, t.connected, t.greeted, t.sent, t.echoed].map(us);
        println!("client-role: times {} {}", t.client, moments.join(" "));
    }
    println!("client-role: echoed={}", report.echoed);
    Ok(())
}

/// A `client-role: times CLIENT CONNECT CONNECTED GREETED SENT ECHOED` line, read back.
fn parse_times(line: &str) -> Option<ClientTimes> {
    let fields: Vec<u64> = line
        .strip_prefix("client-role: times ")?
        .split_whitespace()
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    let &[client, connect, connected, greeted, sent, echoed] = fields.as_slice() else {
        return None;
    };
    let us = Duration::from_micros;
    Some(ClientTimes {
        client: client as usize,
        connect: us(connect),
        connected: us(connected),
        greeted: us(greeted),
        sent: us(sent),
        echoed: us(echoed),
    })
}
