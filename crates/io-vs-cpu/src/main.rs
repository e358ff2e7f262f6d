//! One small script, four steps: which of them are I/O-bound and which CPU-bound?
//!
//! The script fetches a web page, turns each response header into a `name: value`
//! line, joins the lines into one string and writes it to a file. Fetching and writing
//! wait on the outside world (network, disk); formatting and joining only use the
//! processor. The program times every step, labels it I/O or CPU and prints each
//! step's share of the total.
//!
//! Run: `cargo run --release -p io-vs-cpu`
//! or:  `cargo run --release -p io-vs-cpu -- --latency-ms 300 --out /tmp/headers.txt`
//!
//! Look at the `share` column: the fetch takes at least the server's latency and nearly
//! all of the time, the two CPU steps take microseconds. Faster CPU code would change
//! nothing here; overlapping the waits would (that is the io-bound demo).

mod server;

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use ureq::http::{HeaderMap, Response};

/// Fetch a page, format its headers, write them to a file: each step timed and labelled I/O or CPU.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Milliseconds the embedded server waits before answering, the network's latency (0-10000)
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    latency_ms: u64,

    /// Fetch this URL instead of the embedded server, e.g. https://www.example.com
    #[arg(long)]
    url: Option<String>,

    /// Write the header lines to this file and keep it [default: headers.txt in a fresh
    /// temporary directory, removed when the program ends]
    #[arg(long)]
    out: Option<PathBuf>,

    /// Call fsync after writing, so the write step waits for the disk and not only
    /// for the kernel's page cache
    #[arg(long)]
    fsync: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &Args) -> Result<Summary, String> {
    let latency = Duration::from_millis(args.latency_ms);
    // The server must outlive the fetch; it stops when `_server` drops at the end of run.
    let (_server, url, latency_ms) = match &args.url {
        Some(url) => (None, url.clone(), 0),
        None => {
            let server = server::Server::start(latency).map_err(|e| {
                format!("cannot start the local server: {e}; check loopback networking")
            })?;
            let url = server.url();
            (Some(server), url, args.latency_ms)
        }
    };
    let out = OutFile::new(args.out.as_deref())?;
    println!("io-vs-cpu: the four steps of one script, each timed");
    match args.url {
        Some(_) => println!("target: {url}"),
        None => println!("target: embedded server at {url}, answering after {latency_ms} ms"),
    }

    let agent = client(args.url.is_none(), latency);
    let (response, fetch_t) = timed(|| fetch(&agent, &url));
    let response = response?;
    let (lines, format_t) = timed(|| format_headers(response.headers()));
    let (text, join_t) = timed(|| join_lines(&lines));
    let (written, write_t) = timed(|| write_file(&out.path, &text, args.fsync));
    written?;

    let summary = Summary {
        latency_ms,
        fetch: fetch_t,
        format: format_t,
        join: join_t,
        write: write_t,
        headers: lines.len(),
    };
    print_table(&summary);
    show_file(&out, text.len())?;
    Ok(summary)
}

/// Runs one step and measures how long it took.
fn timed<T>(step: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = step();
    (value, start.elapsed())
}

/// A blocking HTTP client with limits, so an unresponsive server cannot hang the demo.
fn client(embedded: bool, latency: Duration) -> ureq::Agent {
    let mut config = ureq::Agent::config_builder()
        // Like requests.get: a 404 is still a reply whose headers can be formatted.
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(5)))
        .timeout_global(Some(latency + Duration::from_secs(30)));
    if embedded {
        // Loopback traffic must not be sent to an $http_proxy from the environment.
        config = config.proxy(None);
    }
    config.build().into()
}

/// I/O: send the request, then wait for the reply's headers and body.
fn fetch(agent: &ureq::Agent, url: &str) -> Result<Response<Vec<u8>>, String> {
    let fail = |e: ureq::Error| {
        format!("cannot fetch {url}: {e}; check the URL and that the server is reachable")
    };
    let response = agent.get(url).call().map_err(fail)?;
    let (parts, mut body) = response.into_parts();
    let bytes = body.read_to_vec().map_err(fail)?;
    println!(
        "GET {url} -> {}, {} headers, {}-byte body",
        parts.status,
        parts.headers.len(),
        bytes.len()
    );
    Ok(Response::from_parts(parts, bytes))
}

/// CPU: one `name: value` string per header (a repeated header gives one line per value).
fn format_headers(headers: &HeaderMap) -> Vec<String> {
    headers
        .iter()
        .map(|(name, value)| format!("{name}: {}", String::from_utf8_lossy(value.as_bytes())))
        .collect()
}

/// CPU: one string, one header per line.
fn join_lines(lines: &[String]) -> String {
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// I/O: hand the bytes to the kernel (and with `--fsync`, wait until they are on disk).
fn write_file(path: &Path, text: &str, fsync: bool) -> Result<(), String> {
    let fail = |e: std::io::Error| {
        format!(
            "cannot write {}: {e}; pass --out with a file in a writable directory",
            path.display()
        )
    };
    let mut file = File::create(path).map_err(fail)?;
    file.write_all(text.as_bytes()).map_err(fail)?;
    if fsync {
        file.sync_all().map_err(fail)?;
    }
    Ok(())
}

/// The output file; a default temporary directory is removed again when this drops.
struct OutFile {
    path: PathBuf,
    temp_dir: Option<PathBuf>,
}

impl OutFile {
    fn new(out: Option<&Path>) -> Result<OutFile, String> {
        if let Some(path) = out {
            return Ok(OutFile {
                path: path.to_path_buf(),
                temp_dir: None,
            });
        }
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("io-vs-cpu-{}-{nanos}", std::process::id()));
        fs::create_dir(&dir).map_err(|e| {
            format!(
                "cannot create {}: {e}; set TMPDIR to a writable directory or pass --out FILE",
                dir.display()
            )
        })?;
        Ok(OutFile {
            path: dir.join("headers.txt"),
            temp_dir: Some(dir),
        })
    }
}

impl Drop for OutFile {
    fn drop(&mut self) {
        if let Some(dir) = &self.temp_dir {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

struct Summary {
    latency_ms: u64,
    fetch: Duration,
    format: Duration,
    join: Duration,
    write: Duration,
    headers: usize,
}

impl Summary {
    fn io(&self) -> Duration {
        self.fetch + self.write
    }
    fn cpu(&self) -> Duration {
        self.format + self.join
    }
    fn total(&self) -> Duration {
        self.io() + self.cpu()
    }
    /// Part of the total, 0..=1.
    fn share(&self, part: Duration) -> f64 {
        part.as_secs_f64() / self.total().as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

fn print_table(s: &Summary) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let pct = |d: Duration| s.share(d) * 100.0;
    println!();
    println!(
        "{:<7} {:<4} {:<36} {:>11} {:>8}",
        "step", "kind", "what", "time (ms)", "share"
    );
    let rows = [
        (
            "fetch",
            "I/O",
            "send the request, wait for the reply",
            s.fetch,
        ),
        ("format", "CPU", "each header -> \"name: value\"", s.format),
        ("join", "CPU", "lines -> one string", s.join),
        ("write", "I/O", "string -> file", s.write),
    ];
    for (step, kind, what, d) in rows {
        println!(
            "{step:<7} {kind:<4} {what:<36} {:>11.3} {:>7.3}%",
            ms(d),
            pct(d)
        );
    }
    println!("{:<49} {:>11.3} {:>7.3}%", "total", ms(s.total()), 100.0);
    println!();
    println!(
        "I/O steps: {:.3} ms ({:.3}%)   CPU steps: {:.1} us ({:.3}%)",
        ms(s.io()),
        pct(s.io()),
        s.cpu().as_secs_f64() * 1e6,
        pct(s.cpu())
    );
    if s.latency_ms > 0 {
        println!(
            "The fetch includes the server's {} ms wait; the CPU steps never wait.",
            s.latency_ms
        );
    }
}

/// Reads the file back (untimed) so the reader sees exactly what was written.
fn show_file(out: &OutFile, bytes: usize) -> Result<(), String> {
    let text = fs::read_to_string(&out.path).map_err(|e| {
        format!(
            "cannot read back {}: {e}; check the disk",
            out.path.display()
        )
    })?;
    println!();
    print!("wrote {bytes} bytes to {}", out.path.display());
    match out.temp_dir {
        Some(_) => println!(" (temporary: removed at exit; pass --out FILE to keep it)"),
        None => println!(),
    }
    println!("--- file contents ---");
    print!("{text}");
    println!("---------------------");
    Ok(())
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = |d: Duration| d.as_secs_f64();
        write!(
            f,
            "summary: latency_ms={} fetch_s={:.3} format_s={:.3} join_s={:.3} write_s={:.3} \
             io_s={:.3} cpu_s={:.3} io_share={:.3} headers={} ideal_s={:.3} cpu_us={:.1} \
             write_us={:.1} total_s={:.3}",
            self.latency_ms,
            s(self.fetch),
            s(self.format),
            s(self.join),
            s(self.write),
            s(self.io()),
            s(self.cpu()),
            self.share(self.io()),
            self.headers,
            self.latency_ms as f64 / 1e3,
            s(self.cpu()) * 1e6,
            s(self.write) * 1e6,
            s(self.total()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::http::HeaderValue;

    #[test]
    fn every_header_value_gets_its_own_line() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("text/html"));
        headers.append("set-cookie", HeaderValue::from_static("a=1"));
        headers.append("set-cookie", HeaderValue::from_static("b=2"));
        let lines = format_headers(&headers);
        assert_eq!(
            lines,
            [
                "content-type: text/html",
                "set-cookie: a=1",
                "set-cookie: b=2"
            ]
        );
        assert_eq!(
            join_lines(&lines),
            "content-type: text/html\nset-cookie: a=1\nset-cookie: b=2\n"
        );
    }
}
