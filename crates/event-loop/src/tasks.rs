//! The task set, shared by both runtimes: an echo server, N clients and three
//! sleepers. Here it is written for the scratch loop; `on_tokio.rs` writes the
//! same tasks for tokio, line for line, so the two can be compared.
//!
//! Timing, in steps (default 100 ms): the server answers client i after i
//! steps, and the sleepers nap 0.5, 2.5 and 3.5 steps. No two waits end within
//! half a step of each other, so the finish order is deterministic. An echo
//! task and its client finish at the same moment, always the echo first: its
//! write is what wakes the client.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::executor::{BoxFuture, spawn};
use crate::leaf::{TcpListener, TcpStream, sleep};

#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    pub clients: u32,
    pub step: Duration,
}

impl Scenario {
    pub fn sleepers(&self) -> [(&'static str, Duration); 3] {
        [
            ("nap", self.step / 2),
            ("rest", self.step * 5 / 2),
            ("long", self.step * 7 / 2),
        ]
    }
    /// The server "thinks" this long before echoing client i's line.
    pub fn echo_delay(&self, client: u32) -> Duration {
        self.step * client
    }
    /// Every deliberate wait in the scenario, one per task that waits.
    pub fn waits(&self) -> Vec<Duration> {
        let echoes = (1..=self.clients).map(|i| self.echo_delay(i));
        echoes.chain(self.sleepers().map(|(_, d)| d)).collect()
    }
    pub fn longest_wait(&self) -> Duration {
        self.waits().into_iter().max().unwrap_or_default()
    }
    pub fn sum_of_waits(&self) -> Duration {
        self.waits().into_iter().sum()
    }
    pub fn task_count(&self) -> usize {
        // server + one echo handler and one client per client + sleepers
        1 + 2 * self.clients as usize + self.sleepers().len()
    }
}

/// One finished task: who, what it produced, when (since the run began).
#[derive(Clone, Debug)]
pub struct Record {
    pub task: String,
    pub value: String,
    pub at: Duration,
}

/// The shared list tasks append to as they finish: the finish order IS the
/// order of this list. Arc + Mutex because tokio::spawn wants Send tasks.
#[derive(Clone)]
pub struct Log {
    start: Instant,
    records: Arc<Mutex<Vec<Record>>>,
}

impl Log {
    pub fn new() -> Log {
        Log {
            start: Instant::now(),
            records: Arc::default(),
        }
    }
    pub fn record(&self, task: impl Into<String>, value: impl Into<String>) {
        let record = Record {
            task: task.into(),
            value: value.into(),
            at: self.start.elapsed(),
        };
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
    }
    pub fn records(&self) -> Vec<Record> {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Wraps a task body so that a failure is recorded instead of lost.
pub async fn recorded(name: String, log: Log, body: impl Future<Output = io::Result<()>>) {
    if let Err(e) = body.await {
        log.record(name, format!("failed: {e}"));
    }
}

/// The line a client sends and expects back.
pub fn greeting(client: u32) -> String {
    format!("hello from client {client}\n")
}

/// Which client sent this line (the number at its end).
pub fn client_of(line: &str) -> io::Result<u32> {
    let last = line.split_whitespace().last().unwrap_or("");
    last.parse().map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("unexpected line {line:?}"),
        )
    })
}

/// The initial tasks, in spawn order: server, clients, sleepers.
pub fn scratch_tasks(
    sc: Scenario,
    listener: TcpListener,
    addr: SocketAddr,
    log: &Log,
) -> Vec<(String, BoxFuture)> {
    let mut tasks = vec![named("server", log, server(sc, listener, log.clone()))];
    for i in 1..=sc.clients {
        tasks.push(named(
            &format!("client-{i}"),
            log,
            client(i, addr, log.clone()),
        ));
    }
    for (name, nap) in sc.sleepers() {
        tasks.push(named(name, log, sleeper(name, nap, log.clone())));
    }
    tasks
}

fn named(
    name: &str,
    log: &Log,
    body: impl Future<Output = io::Result<()>> + 'static,
) -> (String, BoxFuture) {
    let task = recorded(name.to_string(), log.clone(), body);
    (name.to_string(), Box::pin(task))
}

async fn server(sc: Scenario, listener: TcpListener, log: Log) -> io::Result<()> {
    for _ in 0..sc.clients {
        let stream = listener.accept().await?;
        // Each connection gets its own task, so one slow reply holds up no one.
        spawn(
            "echo",
            recorded("echo".into(), log.clone(), echo(sc, stream, log.clone())),
        );
    }
    log.record("server", format!("accepted {} connections", sc.clients));
    Ok(())
}

async fn echo(sc: Scenario, stream: TcpStream, log: Log) -> io::Result<()> {
    let line = read_line(&stream).await?;
    let client = client_of(&line)?;
    let delay = sc.echo_delay(client);
    sleep(delay).await;
    stream.write_all(line.as_bytes()).await?;
    log.record(
        format!("echo-{client}"),
        format!(
            "echoed {:?} after {} ms",
            line.trim_end(),
            delay.as_millis()
        ),
    );
    Ok(())
}

// ANCHOR: client
async fn client(i: u32, addr: SocketAddr, log: Log) -> io::Result<()> {
    let stream = TcpStream::connect(addr).await?;
    stream.write_all(greeting(i).as_bytes()).await?;
    let reply = read_line(&stream).await?;
    log.record(format!("client-{i}"), format!("got {:?}", reply.trim_end()));
    Ok(())
}
// ANCHOR_END: client

async fn sleeper(name: &'static str, nap: Duration, log: Log) -> io::Result<()> {
    sleep(nap).await;
    log.record(name, format!("slept {} ms", nap.as_millis()));
    Ok(())
}

/// Read until a newline or end of stream.
async fn read_line(stream: &TcpStream) -> io::Result<String> {
    let mut line = Vec::new();
    let mut buf = [0u8; 256];
    while !line.contains(&b'\n') {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        line.extend_from_slice(&buf[..n]);
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_waits() {
        let sc = Scenario {
            clients: 3,
            step: Duration::from_millis(100),
        };
        assert_eq!(sc.longest_wait(), Duration::from_millis(350));
        assert_eq!(sc.sum_of_waits(), Duration::from_millis(1250));
        assert_eq!(sc.task_count(), 10);
    }
}
