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

mod outfile;
mod output;
mod report;
mod server;
mod trace;

#[cfg(test)]
#[path = "../tests/local/burst.rs"]
mod test_burst;
#[cfg(test)]
#[path = "../tests/common/mod.rs"]
mod test_common;

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use outfile::OutFile;
use report::Summary;
use trace::{Trace, Track};
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
    /// temporary directory, removed right after the write step]
    #[arg(long)]
    out: Option<PathBuf>,

    /// Call fsync after writing, so the write step waits for the disk and not only
    /// for the kernel's page cache
    #[arg(long)]
    fsync: bool,

    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer)
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = Args::parse();
    // A failure at run time is one line that says what to do: `error: context: cause`.
    match run(&args) {
        Ok(summary) => println!("{summary}"),
        Err(error) => {
            eprintln!("error: {error:#}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn run(args: &Args) -> anyhow::Result<Summary> {
    let latency = Duration::from_millis(args.latency_ms);
    // The server must outlive the fetch; it stops when `_server` drops at the end of run.
    let (_server, url, latency_ms) = match &args.url {
        Some(url) => (None, url.clone(), 0),
        None => {
            let server = server::Server::start(latency)
                .context("cannot start the local server; check loopback networking")?;
            let url = server.url();
            (Some(server), url, args.latency_ms)
        }
    };
    println!("io-vs-cpu: the four steps of one script, each timed");
    match args.url {
        Some(_) => println!("target: {url}"),
        None => println!(
            "target: embedded server at {url}, answering after {latency_ms} ms (latency_ms)"
        ),
    }

    let trace = args
        .trace
        .as_ref()
        .map_or_else(Trace::off, |_| Trace::new(Instant::now()));
    let script = trace.track(
        trace.group("one script, four steps"),
        "the script's one thread",
    );
    let step = |kind, name| Step(&trace, script, kind, name);
    let agent = client(args.url.is_none(), latency);
    let (response, fetch_t) =
        step(IO, "fetch: send the request, wait for the reply").timed(|| fetch(&agent, &url));
    let response = response?;
    let format = step(CPU, "format: each header -> \"name: value\"");
    let (lines, format_t) = format.timed(|| format_headers(response.headers()));
    let (text, join_t) = step(CPU, "join: the lines -> one string").timed(|| join_lines(&lines));
    let cpu_us = (format_t + join_t).as_secs_f64() * 1e6;
    trace.instant(
        script,
        &format!("the two CPU steps: {cpu_us:.1} µs"),
        Instant::now(),
    );
    // The default file exists only around this step (see outfile.rs): nothing is left
    // behind by a run interrupted while it waits for the server.
    let out = OutFile::create(args.out.as_deref())?;
    let write = step(IO, "write: the string -> the file");
    let (written, write_t) = write.timed(|| write_file(&out.path, &text, args.fsync));
    written?;
    let written = out.finish()?;

    let summary = Summary {
        latency_ms,
        fetch: fetch_t,
        format: format_t,
        join: join_t,
        write: write_t,
        headers: lines.len(),
        fsync: args.fsync,
    };
    summary.print_table();
    report::print_file(&written);
    if let Some(path) = &args.trace {
        trace.write(path).with_context(|| {
            let path = path.display();
            format!("cannot write the trace to {path}; check that its folder exists")
        })?;
        println!(
            "trace written to {} (open it in ui.perfetto.dev or vizviewer)",
            path.display()
        );
    }
    Ok(summary)
}

/// The legend's words: a step that waits on the outside world, or one that computes.
const IO: &str = "I/O";
const CPU: &str = "CPU";

/// One step of the script, named for the trace: its kind (I/O or CPU) and what it does.
struct Step<'a>(&'a Trace, Track, &'static str, &'static str);

impl Step<'_> {
    /// Runs the step, measures how long it took, and records it as a slice.
    fn timed<T>(self, step: impl FnOnce() -> T) -> (T, Duration) {
        let Step(trace, track, kind, name) = self;
        let start = Instant::now();
        let value = step();
        let end = Instant::now();
        trace.slice(track, kind, &format!("{name} ({kind})"), start, end);
        (value, end - start)
    }
}

// ANCHOR: steps
/// I/O: send the request, then wait for the reply's headers and body.
fn fetch(agent: &ureq::Agent, url: &str) -> anyhow::Result<Response<Vec<u8>>> {
    let fail = || format!("cannot fetch {url}; check the URL and that the server is reachable");
    let response = agent.get(url).call().with_context(fail)?;
    let (parts, mut body) = response.into_parts();
    let bytes = body.read_to_vec().with_context(fail)?;
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
fn write_file(path: &Path, text: &str, fsync: bool) -> anyhow::Result<()> {
    let fail = || {
        let path = path.display();
        format!("cannot write {path}; pass --out with a file in a writable directory")
    };
    let mut file = File::create(path).with_context(fail)?;
    file.write_all(text.as_bytes()).with_context(fail)?;
    if fsync {
        file.sync_all().with_context(fail)?;
    }
    Ok(())
}

// ANCHOR_END: steps

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
