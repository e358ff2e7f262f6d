//! A tiny HTTP/1.1 server on 127.0.0.1 so the demo runs offline.
//!
//! It stands in for a real web site: it waits `latency` before answering (the time a
//! request spends crossing the internet) and replies with the headers a real site
//! sends. One thread per connection, so slow answers never queue behind each other.
//! Every reply carries `Connection: close`: one request per connection keeps it simple.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const PAGE: &str = "<!doctype html>\n<html>\n<head><title>Example Domain</title></head>\n\
<body>\n<h1>Example Domain</h1>\n<p>Served from 127.0.0.1 by the io-vs-cpu demo.</p>\n\
</body>\n</html>\n";

/// The running server; dropping it stops the accept thread.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    served: Arc<AtomicUsize>,
}

impl Server {
    /// Binds an OS-chosen port on loopback and starts answering.
    pub fn start(latency: Duration) -> io::Result<Server> {
        let listener = listen("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let started = SystemTime::now();
        let served = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&served);
        let accept = thread::Builder::new()
            .name("server-accept".into())
            .spawn(move || accept_loop(listener, latency, started, &flag, &count))?;
        Ok(Server {
            addr,
            stop,
            accept: Some(accept),
            served,
        })
    }

    /// Replies sent in full so far (the exercise's check counts the program's fetches).
    #[allow(dead_code)] // the demo itself fetches once and does not need to count
    pub fn served(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
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

/// std listens with a backlog of 128: a burst of clients connecting at once overflows
/// it, and those dropped retry a second later. Listen again with tokio's 1024 (the kernel
/// caps it at net.core.somaxconn).
fn listen(addr: &str) -> io::Result<TcpListener> {
    use nix::sys::socket::{Backlog, listen};
    let listener = TcpListener::bind(addr)?;
    listen(&listener, Backlog::new(1024).unwrap_or(Backlog::MAXCONN))?;
    Ok(listener)
}

fn accept_loop(
    listener: TcpListener,
    latency: Duration,
    started: SystemTime,
    stop: &AtomicBool,
    served: &Arc<AtomicUsize>,
) {
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        match conn {
            Ok(stream) => {
                // A failed spawn drops the stream: that client sees a closed connection.
                let served = Arc::clone(served);
                let _ = thread::Builder::new()
                    .name("server-conn".into())
                    .spawn(move || {
                        if serve(stream, latency, started).is_ok() {
                            served.fetch_add(1, Ordering::SeqCst);
                        }
                    });
            }
            // e.g. out of file descriptors: back off instead of spinning.
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn serve(stream: TcpStream, latency: Duration, started: SystemTime) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let method = read_request_head(&mut BufReader::new(&stream))?;
    thread::sleep(latency);
    let (status, body) = match method.as_str() {
        "GET" | "HEAD" => ("200 OK", PAGE),
        _ => ("405 Method Not Allowed", ""),
    };
    let mut reply = response_head(status, body, started).into_bytes();
    if method != "HEAD" {
        reply.extend_from_slice(body.as_bytes());
    }
    let mut out = &stream;
    out.write_all(&reply)?;
    out.flush()
}

/// Reads the request line and headers (a GET has no body) and returns the method.
fn read_request_head(reader: &mut impl BufRead) -> io::Result<String> {
    let mut line = String::new();
    let mut method = None;
    let mut total = 0;
    loop {
        line.clear();
        let n = reader.read_line(&mut line)?;
        total += n;
        if n == 0 || total > 16 * 1024 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "bad request head",
            ));
        }
        if method.is_none() {
            method = line.split_whitespace().next().map(str::to_owned);
        } else if line == "\r\n" || line == "\n" {
            return Ok(method.unwrap_or_default());
        }
    }
}

/// The status line and the headers a typical static page gets from a real server.
fn response_head(status: &str, body: &str, started: SystemTime) -> String {
    format!(
        "HTTP/1.1 {status}\r\n\
         Date: {date}\r\n\
         Server: io-vs-cpu-demo/0.1 (std::net)\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         Content-Length: {len}\r\n\
         Last-Modified: {modified}\r\n\
         ETag: \"{etag:016x}\"\r\n\
         Cache-Control: max-age=604800\r\n\
         Accept-Ranges: bytes\r\n\
         Vary: Accept-Encoding\r\n\
         X-Content-Type-Options: nosniff\r\n\
         Connection: close\r\n\
         \r\n",
        date = http_date(SystemTime::now()),
        len = body.len(),
        modified = http_date(started),
        etag = fnv1a(body.as_bytes()),
    )
}

/// An ETag only has to change when the body does; a 64-bit FNV-1a hash is plenty.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Formats a time as HTTP wants it (RFC 9110 IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(t: SystemTime) -> String {
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

    fn at(secs: u64) -> String {
        http_date(UNIX_EPOCH + Duration::from_secs(secs))
    }

    #[test]
    fn http_dates_match_known_values() {
        assert_eq!(at(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(at(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(at(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(at(1_709_251_199), "Thu, 29 Feb 2024 23:59:59 GMT");
    }

    #[test]
    fn a_burst_of_1000_clients_overflows_no_listen_queue() {
        use crate::{test_burst::assert_a_clean_burst, test_common::listen_overflows};
        let server = Server::start(Duration::from_millis(100)).unwrap();
        let addr = server.addr.to_string();
        assert_a_clean_burst(&addr, 1000, listen_overflows, None);
    }

    #[test]
    fn request_head_gives_the_method() {
        let raw = b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(read_request_head(&mut &raw[..]).unwrap(), "HEAD");
        assert!(read_request_head(&mut &b"GET / HTTP/1.1\r\n"[..]).is_err());
    }
}
