//! A tiny HTTP/1.1 server that plays a slow web site, on ONE thread of its own.
//!
//! Each request is answered after `latency`, the time a real request spends crossing
//! the internet. The server is itself async (a tokio current-thread runtime), so ten
//! thousand slow answers can be in progress at once on that one thread: the server never
//! becomes the bottleneck the demo measures, and it adds exactly one thread to the
//! process, whatever the load. Connections stay open between requests (HTTP/1.1
//! keep-alive) unless the client asks for `Connection: close`. It counts what it served
//! and the most requests it had in progress at the same moment, the proof of concurrency.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::oneshot;

/// The page every request gets; clients check they received exactly this.
pub const PAGE: &str = "<!doctype html>\n<html>\n<head><title>Example Domain</title></head>\n\
<body>\n<h1>Example Domain</h1>\n<p>Served from 127.0.0.1 by the io-bound demo.</p>\n\
</body>\n</html>\n";

/// What the server saw. `peak` is the most requests in progress at once.
#[derive(Default)]
pub struct Stats {
    pub served: AtomicUsize,
    in_flight: AtomicUsize,
    pub peak: AtomicUsize,
}

/// One request answered, as `--serve` reports it.
pub struct Answer {
    pub number: usize,
    pub method: String,
    pub path: String,
    pub client: SocketAddr,
    /// Requests in progress when this one was answered, itself included.
    pub in_progress: usize,
}

/// The embedded server, on its own thread; dropping it stops that thread.
pub struct Server {
    addr: SocketAddr,
    stats: Arc<Stats>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds an OS-chosen port on loopback and starts answering on a new thread.
    pub fn start(latency: Duration) -> io::Result<Server> {
        let stats = Arc::new(Stats::default());
        let (stop, stopped) = oneshot::channel();
        let (ready, bound) = std::sync::mpsc::channel();
        let counters = Arc::clone(&stats);
        let thread = thread::Builder::new()
            .name("server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                let runtime = match runtime {
                    Ok(runtime) => runtime,
                    Err(e) => return drop(ready.send(Err(e))),
                };
                runtime.block_on(async move {
                    let listener = match listen("127.0.0.1:0".parse().unwrap()) {
                        Ok(listener) => listener,
                        Err(e) => return drop(ready.send(Err(e))),
                    };
                    let _ = ready.send(listener.local_addr());
                    let stopped = async { drop(stopped.await) };
                    serve(listener, latency, counters, |_| {}, stopped).await;
                });
            })?;
        let addr = bound
            .recv()
            .map_err(|_| io::Error::other("the server thread ended"))??;
        Ok(Server {
            addr,
            stats,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Requests answered so far.
    pub fn served(&self) -> usize {
        self.stats.served.load(Ordering::SeqCst)
    }

    /// The most requests in progress at once since the last call; starts a new count.
    pub fn take_peak(&self) -> usize {
        let now = self.stats.in_flight.load(Ordering::SeqCst);
        self.stats.peak.swap(now, Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A listening socket with a long accept queue: when thousands of clients connect at
/// once, a short queue drops the rest and they retry a full second later, which would
/// show up as the clients' slowness. (The kernel caps it at net.core.somaxconn.)
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(65_535)
}

/// Accepts connections and answers them, each on its own task, until `stop` completes.
/// Dropping the runtime afterwards ends every connection still open.
pub async fn serve(
    listener: TcpListener,
    latency: Duration,
    stats: Arc<Stats>,
    on_answer: impl Fn(Answer) + Send + Sync + Clone + 'static,
    stop: impl Future<Output = ()>,
) {
    let started = SystemTime::now();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, client)) => {
                    let (stats, on_answer) = (Arc::clone(&stats), on_answer.clone());
                    tokio::spawn(async move {
                        let _ = connection(stream, client, latency, started, &stats, on_answer).await;
                    });
                }
                // e.g. out of file descriptors: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            () = &mut stop => break,
        }
    }
}

/// Answers requests on one connection until the client closes it or asks to.
async fn connection(
    stream: TcpStream,
    client: SocketAddr,
    latency: Duration,
    started: SystemTime,
    stats: &Stats,
    on_answer: impl Fn(Answer),
) -> io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    // An idle keep-alive connection is closed after a while, as real servers do.
    let idle = Duration::from_secs(30);
    while let Ok(Some(head)) = tokio::time::timeout(idle, read_request_head(&mut reader)).await? {
        let now = stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        stats.peak.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(latency).await;
        let (status, body) = match head.method.as_str() {
            "GET" | "HEAD" => ("200 OK", PAGE),
            _ => ("405 Method Not Allowed", ""),
        };
        let mut reply = response_head(status, body, started, head.keep_alive).into_bytes();
        if head.method != "HEAD" {
            reply.extend_from_slice(body.as_bytes());
        }
        // Count the answer before sending it: once the bytes are out, the client may
        // finish and read the counters before this task runs again.
        let in_progress = stats.in_flight.fetch_sub(1, Ordering::SeqCst);
        let number = stats.served.fetch_add(1, Ordering::SeqCst) + 1;
        on_answer(Answer {
            number,
            method: head.method.clone(),
            path: head.path.clone(),
            client,
            in_progress,
        });
        write.write_all(&reply).await?;
        if !head.keep_alive {
            break;
        }
    }
    Ok(())
}

struct RequestHead {
    method: String,
    path: String,
    keep_alive: bool,
}

/// Reads one request line and its headers (a GET has no body).
/// `None` when the client closed the connection between requests.
async fn read_request_head(
    reader: &mut (impl AsyncBufRead + Unpin),
) -> io::Result<Option<RequestHead>> {
    let mut line = String::new();
    let mut head: Option<RequestHead> = None;
    let mut total = 0;
    loop {
        line.clear();
        let n = reader.read_line(&mut line).await?;
        total += n;
        if n == 0 && head.is_none() {
            return Ok(None);
        }
        if n == 0 || total > 16 * 1024 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "bad request head",
            ));
        }
        let text = line.trim_end();
        if head.is_some() && text.is_empty() {
            return Ok(head);
        }
        match &mut head {
            None => {
                let mut words = text.split_whitespace();
                let method = words.next().unwrap_or_default().to_owned();
                let path = words.next().unwrap_or_default().to_owned();
                // HTTP/1.1 keeps the connection by default, HTTP/1.0 closes it.
                let keep_alive = words.next() != Some("HTTP/1.0");
                head = Some(RequestHead {
                    method,
                    path,
                    keep_alive,
                });
            }
            Some(h) => {
                if let Some((name, value)) = text.split_once(':') {
                    if name.eq_ignore_ascii_case("connection") {
                        let value = value.trim();
                        h.keep_alive = if value.eq_ignore_ascii_case("close") {
                            false
                        } else {
                            h.keep_alive || value.eq_ignore_ascii_case("keep-alive")
                        };
                    }
                }
            }
        }
    }
}

/// The status line and the headers a typical static page gets from a real server.
fn response_head(status: &str, body: &str, started: SystemTime, keep_alive: bool) -> String {
    format!(
        "HTTP/1.1 {status}\r\n\
         Date: {date}\r\n\
         Server: io-bound-demo/0.1 (tokio)\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         Content-Length: {len}\r\n\
         Last-Modified: {modified}\r\n\
         ETag: \"{etag:016x}\"\r\n\
         Cache-Control: max-age=604800\r\n\
         Connection: {connection}\r\n\
         \r\n",
        date = http_date(SystemTime::now()),
        len = body.len(),
        modified = http_date(started),
        etag = fnv1a(body.as_bytes()),
        connection = if keep_alive { "keep-alive" } else { "close" },
    )
}

/// An ETag only has to change when the body does; a 64-bit FNV-1a hash is plenty.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Formats a time as HTTP wants it (RFC 9110 IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(t: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[month as usize - 1],
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> io::Result<Option<RequestHead>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(read_request_head(&mut raw.as_bytes()))
    }

    fn head(raw: &str) -> Option<RequestHead> {
        parse(raw).unwrap()
    }

    #[test]
    fn http_dates_match_known_values() {
        let at = |secs| http_date(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(at(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(at(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(at(1_709_251_199), "Thu, 29 Feb 2024 23:59:59 GMT");
    }

    #[test]
    fn keep_alive_follows_version_and_connection_header() {
        let h = head("GET /a HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert!(h.method == "GET" && h.path == "/a" && h.keep_alive);
        assert!(
            !head("GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
                .unwrap()
                .keep_alive
        );
        assert!(!head("GET / HTTP/1.0\r\n\r\n").unwrap().keep_alive);
        assert!(
            head("GET / HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n")
                .unwrap()
                .keep_alive
        );
        assert!(head("").is_none());
        assert!(parse("GET / HTTP/1.1\r\n").is_err());
    }
}
