//! The flaky service: a small HTTP/1.1 server on 127.0.0.1, written on tokio (no server
//! crate), on a thread and runtime of its own. It fails (`503` at once) or stalls (answers
//! after a second, long past any client's timeout) a set fraction of requests, chosen by a
//! seeded generator so every run sees the same sequence of faults, and it is down
//! altogether (every request a `503`) during an outage window of each run. It counts
//! every request it sees, with the time it arrived: the load figures are ITS counts.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::oneshot;

use crate::policy::Rng;

/// How the service misbehaves.
#[derive(Clone, Copy, Debug)]
pub struct Faults {
    pub fail: f64,
    pub stall: f64,
    pub stall_for: Duration,
    /// The outage, measured from the start of each run (`Server::begin`).
    pub outage: (Duration, Duration),
    pub seed: u64,
}

/// What the service did with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Ok,
    Fail,
    Stall,
    Down,
}

struct Book {
    start: Instant,
    rng: Rng,
    arrivals: Vec<(Duration, Fate)>,
}

/// The running service; dropping it stops it and joins its thread.
pub struct Server {
    addr: SocketAddr,
    book: Arc<Mutex<Book>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start(faults: Faults) -> io::Result<Server> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = runtime.block_on(async {
            let socket = TcpSocket::new_v4()?;
            socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
            socket.listen(1024)
        })?;
        let addr = listener.local_addr()?;
        let book = Arc::new(Mutex::new(Book {
            start: Instant::now(),
            rng: Rng::new(faults.seed),
            arrivals: Vec::new(),
        }));
        let (stop, stopped) = oneshot::channel();
        let shared = Arc::clone(&book);
        let thread = std::thread::Builder::new()
            .name("flaky service".into())
            .spawn(move || runtime.block_on(accept(listener, faults, shared, stopped)))?;
        Ok(Server {
            addr,
            book,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A new run: the clock restarts (so the outage comes at the same moment), the same
    /// seed again (so the same faults), the count starts from zero.
    pub fn begin(&self, start: Instant, seed: u64) {
        let mut book = self.book.lock().unwrap();
        *book = Book {
            start,
            rng: Rng::new(seed),
            arrivals: Vec::new(),
        };
    }

    /// Every request of this run: when it arrived (from the run's start) and its fate.
    pub fn arrivals(&self) -> Vec<(Duration, Fate)> {
        self.book.lock().unwrap().arrivals.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept(
    listener: TcpListener,
    faults: Faults,
    book: Arc<Mutex<Book>>,
    stopped: oneshot::Receiver<()>,
) {
    let serving = async {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(serve(stream, faults, Arc::clone(&book)));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    };
    // Stopping drops the runtime, and with it every stalled request still sleeping.
    tokio::select! {
        () = serving => {}
        _ = stopped => {}
    }
}

// ANCHOR: serve
/// One request per connection: read the head, count it, pick its fate, answer, close.
async fn serve(stream: TcpStream, faults: Faults, book: Arc<Mutex<Book>>) -> io::Result<()> {
    let mut stream = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        if stream.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        if line == "\r\n" {
            break;
        }
    }
    let fate = {
        let mut book = book.lock().unwrap();
        let at = book.start.elapsed();
        let roll = book.rng.unit();
        let fate = if at >= faults.outage.0 && at < faults.outage.1 {
            Fate::Down
        } else if roll < faults.fail {
            Fate::Fail
        } else if roll < faults.fail + faults.stall {
            Fate::Stall
        } else {
            Fate::Ok
        };
        book.arrivals.push((at, fate));
        fate
    };
    let status = match fate {
        Fate::Ok => "200 OK",
        Fate::Stall => {
            tokio::time::sleep(faults.stall_for).await;
            "200 OK"
        }
        Fate::Fail | Fate::Down => "503 Service Unavailable",
    };
    let reply = format!("HTTP/1.1 {status}\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n");
    stream.get_mut().write_all(reply.as_bytes()).await?;
    stream.get_mut().shutdown().await
}
// ANCHOR_END: serve

#[cfg(test)]
mod tests {
    use super::{Faults, Server};
    use crate::{test_burst::assert_a_clean_burst, test_common::listen_overflows};
    use std::time::Duration;

    /// The service listens with a backlog of 1024: a burst of 1,000 callers at once
    /// overflows no listen queue (std's and mio's 128 would, measured in semaphore).
    #[test]
    fn a_burst_of_1000_clients_overflows_no_listen_queue() {
        let faults = Faults {
            fail: 0.0,
            stall: 0.0,
            stall_for: Duration::ZERO,
            outage: (Duration::ZERO, Duration::ZERO),
            seed: 1,
        };
        let server = Server::start(faults).unwrap();
        assert_a_clean_burst(&server.addr().to_string(), 1000, listen_overflows, None);
    }
}
