//! A tiny HTTP/1.1 server on 127.0.0.1 that plays a slow web site.
//!
//! Each request is answered after `latency`, the time a real request spends crossing
//! the internet. Every connection gets its own thread, so a thousand slow answers can
//! be in progress at once: the server never becomes the bottleneck the demo measures.
//! Connections stay open between requests (HTTP/1.1 keep-alive) unless the client
//! asks for `Connection: close`. The server also counts what it served and the most
//! requests it had in progress at the same moment, the proof of concurrency.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nix::sys::socket::{Backlog, listen};

/// The page every request gets; clients check they received exactly this.
pub const PAGE: &str = "<!doctype html>\n<html>\n<head><title>Example Domain</title></head>\n\
<body>\n<h1>Example Domain</h1>\n<p>Served from 127.0.0.1 by the io-bound demo.</p>\n\
</body>\n</html>\n";

#[derive(Default)]
struct Stats {
    served: AtomicUsize,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

/// The running server; dropping it stops the accept thread.
pub struct Server {
    addr: SocketAddr,
    latency: Duration,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds an OS-chosen port on loopback and starts answering.
    pub fn start(latency: Duration) -> io::Result<Server> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        // std listens with a queue of 128 pending connections. When hundreds of clients
        // connect at once, the rest are dropped and retried a full second later, which
        // would show up as the clients' slowness. Calling listen() again raises the limit.
        listen(&listener, Backlog::MAXCONN)?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(Stats::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (stats2, stop2) = (Arc::clone(&stats), Arc::clone(&stop));
        let accept = thread::Builder::new()
            .name("server-accept".into())
            .spawn(move || accept_loop(listener, latency, &stats2, &stop2))?;
        Ok(Server {
            addr,
            latency,
            stats,
            stop,
            accept: Some(accept),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn latency(&self) -> Duration {
        self.latency
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
        self.stop.store(true, Ordering::SeqCst);
        // accept() blocks until someone connects: one throwaway connection wakes it up
        // so it sees the flag. Join only if that worked, so drop can never hang.
        if TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok() {
            if let Some(handle) = self.accept.take() {
                let _ = handle.join();
            }
        }
    }
}

fn accept_loop(listener: TcpListener, latency: Duration, stats: &Arc<Stats>, stop: &AtomicBool) {
    let started = SystemTime::now();
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        match conn {
            Ok(stream) => {
                let stats = Arc::clone(stats);
                // A failed spawn drops the stream: that client sees a closed connection.
                let _ = thread::Builder::new()
                    .name("server-conn".into())
                    .spawn(move || serve(stream, latency, started, &stats));
            }
            // e.g. out of file descriptors: back off instead of spinning.
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Answers requests on one connection until the client closes it or asks to.
fn serve(
    stream: TcpStream,
    latency: Duration,
    started: SystemTime,
    stats: &Stats,
) -> io::Result<()> {
    // An idle keep-alive connection is closed after a while, as real servers do.
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(&stream);
    while let Some(head) = read_request_head(&mut reader)? {
        let now = stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        stats.peak.fetch_max(now, Ordering::SeqCst);
        thread::sleep(latency);
        let (status, body) = match head.method.as_str() {
            "GET" | "HEAD" => ("200 OK", PAGE),
            _ => ("405 Method Not Allowed", ""),
        };
        let mut reply = response_head(status, body, started, head.keep_alive).into_bytes();
        if head.method != "HEAD" {
            reply.extend_from_slice(body.as_bytes());
        }
        // Count the answer before sending it: once the bytes are out, the client may
        // finish and read the counters before this thread gets the CPU back.
        stats.in_flight.fetch_sub(1, Ordering::SeqCst);
        stats.served.fetch_add(1, Ordering::SeqCst);
        (&stream).write_all(&reply)?;
        if !head.keep_alive {
            break;
        }
    }
    Ok(())
}

struct RequestHead {
    method: String,
    keep_alive: bool,
}

/// Reads one request line and its headers (a GET has no body).
/// `None` when the client closed the connection between requests.
fn read_request_head(reader: &mut impl BufRead) -> io::Result<Option<RequestHead>> {
    let mut line = String::new();
    let mut head: Option<RequestHead> = None;
    let mut total = 0;
    loop {
        line.clear();
        let n = reader.read_line(&mut line)?;
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
                // HTTP/1.1 keeps the connection by default, HTTP/1.0 closes it.
                let keep_alive = words.nth(1) != Some("HTTP/1.0");
                head = Some(RequestHead { method, keep_alive });
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
         Server: io-bound-demo/0.1 (std::net)\r\n\
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

    fn head(raw: &str) -> Option<RequestHead> {
        read_request_head(&mut raw.as_bytes()).unwrap()
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
        let h = head("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert!(h.method == "GET" && h.keep_alive);
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
        assert!(read_request_head(&mut "GET / HTTP/1.1\r\n".as_bytes()).is_err());
    }
}
