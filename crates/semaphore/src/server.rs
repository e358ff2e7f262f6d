//! A small HTTP/1.1 server on 127.0.0.1 that plays a slow web site: each request is
//! answered after `latency`. It runs on its own thread with its own tokio runtime, so
//! the client side of the demo keeps its one thread to itself, and it counts the
//! requests it has in progress at once: the figure the demo is about.

use std::io;
use std::net::SocketAddr;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::oneshot;

use crate::gauge::Gauge;

pub const PAGE: &str =
    "<!doctype html><title>slow site</title><p>served by the semaphore demo</p>\n";

/// The running server; dropping it stops it and joins its thread.
pub struct Server {
    addr: SocketAddr,
    in_progress: Gauge,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Listens on an OS-chosen loopback port and starts answering; `in_progress` counts
    /// the requests it is answering.
    pub fn start(latency: Duration, in_progress: Gauge) -> io::Result<Server> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = runtime.block_on(async {
            let socket = TcpSocket::new_v4()?;
            socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
            // A long accept queue: without a limit, every client connects at the same
            // moment, and a full queue would make some retry a second later.
            socket.listen(4096)
        })?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let gauge = in_progress.clone();
        let thread = std::thread::Builder::new()
            .name("server".into())
            .spawn(move || runtime.block_on(accept(listener, latency, gauge, stopped)))?;
        Ok(Server {
            addr,
            in_progress,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The most requests in progress at once since the last call.
    pub fn take_peak(&self) -> usize {
        self.in_progress.take_peak()
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
    latency: Duration,
    gauge: Gauge,
    stopped: oneshot::Receiver<()>,
) {
    let serving = async {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(serve(stream, latency, gauge.clone()));
                }
                // e.g. out of file descriptors: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    };
    // Either side ending stops the server; the runtime then drops every connection.
    tokio::select! {
        () = serving => {}
        _ = stopped => {}
    }
}

/// One request per connection: read the request head, wait `latency` (counted as in
/// progress), answer, close. `Connection: close` tells the client's pool not to keep the
/// connection, so every request is a new one and the count is of requests only.
async fn serve(stream: TcpStream, latency: Duration, gauge: Gauge) -> io::Result<()> {
    let mut stream = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        if stream.read_line(&mut line).await? == 0 {
            return Ok(()); // closed before the head ended
        }
        if line == "\r\n" {
            break;
        }
    }
    let inside = gauge.enter();
    tokio::time::sleep(latency).await;
    // Counted out before the answer goes: once the bytes are out, the client may finish
    // and read the count before this task runs again.
    drop(inside);
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{PAGE}",
        PAGE.len()
    );
    stream.get_mut().write_all(reply.as_bytes()).await?;
    stream.get_mut().shutdown().await
}

#[cfg(test)]
mod tests {
    use super::Server;
    use crate::{test_burst::assert_a_clean_burst, test_common::listen_overflows};
    use std::time::Duration;

    #[test]
    fn a_burst_of_1000_clients_overflows_no_listen_queue() {
        let server = Server::start(Duration::from_millis(100), Default::default()).unwrap();
        assert_a_clean_burst(&server.addr().to_string(), 1000, listen_overflows, None);
    }
}
