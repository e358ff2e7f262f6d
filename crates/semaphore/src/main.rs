//! A semaphore limits how many requests are in flight at once. asyncio wraps each request
//! in `async with Semaphore(10)`; tokio does the same with an `Arc<Semaphore>`, taking the
//! permit BEFORE `tokio::spawn`, so the number of live tasks is bounded too, or with
//! `buffer_unordered(10)` on a stream of requests. The demo sends its requests to a real
//! HTTP server it starts on 127.0.0.1, which answers each after `--latency-ms` and counts
//! the requests it has in progress at once.
//!
//! Run: `cargo run --release -p semaphore`, then try `-- --limit 50` or `-- --requests 1000`.
//!
//! Look for: the server never sees more than the limit (and does see exactly the limit),
//! the time is about requests / limit x latency, and without a limit every request is in
//! progress at once and the whole lot takes about one latency.

mod gauge;
mod limits;
mod output;
mod recording;
mod report;
mod server;
mod setup;
mod trace;

#[cfg(test)]
#[path = "../tests/local/burst.rs"]
mod test_burst;
#[cfg(test)]
#[path = "../tests/common/mod.rs"]
mod test_common;

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use futures::StreamExt;
use reqwest::Client;
use tokio::sync::Semaphore;

use gauge::Gauge;
use recording::{PermitsLeft, Recorder};
use report::{Row, Summary};
use server::Server;
use setup::timed;
use trace::Trace;

/// Limit concurrency: 200 requests to a slow local server, 10 at a time, three ways.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many requests to send.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(2..=10_000))]
    requests: u32,

    /// How many may be in flight at once (asyncio.Semaphore(10)); below --requests.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    limit: u32,

    /// How long the server takes to answer each request, in milliseconds.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    latency_ms: u64,

    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = Args::parse();
    if args.limit >= args.requests {
        Args::command()
            .error(
                ErrorKind::ArgumentConflict,
                "--limit must be below --requests, or the limit never makes anyone wait",
            )
            .exit();
    }
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

/// The table of contents: start the server, then send the same requests three ways on
/// one client thread, and read the server's count after each.
fn run(args: &Args) -> anyhow::Result<Summary> {
    let (requests, limit) = (args.requests as usize, args.limit as usize);
    let latency = Duration::from_millis(args.latency_ms);
    let trace = args
        .trace
        .as_ref()
        .map_or_else(Trace::off, |_| Trace::new(Instant::now()));
    let recorder = Recorder::new(trace, latency);
    limits::allow_open_files(2 * requests as u64 + 64)?;
    limits::check_memory(requests)?;
    // The server's count of requests in progress, heard by the trace as it moves.
    let server = Server::start(latency, Gauge::watched(recorder.clone()))
        .context("cannot start the local server; check loopback networking")?;
    let url = format!("http://{}/", server.addr());
    let (client, runtime) = setup::client_and_runtime()?;
    let rounds = requests.div_ceil(limit);
    println!(
        "{requests} requests to {url}, each answered after {} ms (latency_ms)\n\
         at most {limit} in flight (limit) in the limited rows; the client runs on one thread",
        latency.as_millis()
    );
    report::print_header();
    let tasks = Gauge::watched(Arc::new(recording::TasksAlive(recorder.clone())));
    let measure = |name: [&str; 2], requests_done: io::Result<()>, elapsed: Duration, rounds| {
        requests_done.context("a request to the local server failed")?;
        let row = Row {
            elapsed,
            server_peak: server.take_peak(),
            tasks_peak: tasks.take_peak(),
        };
        row.print(name[0], name[1], rounds, latency);
        anyhow::Ok(row)
    };

    let semaphore = Arc::new(Semaphore::new(limit));
    recorder.begin_row("Semaphore, permit before spawn", Some(limit));
    let permits_left = recorder.permits_reporter();
    let (done, elapsed) = runtime.block_on(timed(limited_by_semaphore(
        &client,
        &url,
        requests,
        &semaphore,
        &tasks,
        &permits_left,
    )));
    let how = ["semaphore", "Semaphore: permit before each spawn"];
    let semaphore_row = measure(how, done, elapsed, rounds)?;
    let available_after = semaphore.available_permits();

    recorder.begin_row("buffer_unordered(limit), no tasks", None);
    let (done, elapsed) = runtime.block_on(timed(limited_by_buffer_unordered(
        &client, &url, requests, limit,
    )));
    let how = ["buffered", "buffer_unordered(limit), no tasks"];
    let buffered = measure(how, done, elapsed, rounds)?;

    recorder.begin_row("no limit, a task per request", None);
    let (done, elapsed) = runtime.block_on(timed(unlimited(&client, &url, requests, &tasks)));
    let how = ["unlimited", "no limit, a task per request"];
    let unlimited = measure(how, done, elapsed, 1)?;

    let summary = Summary {
        requests,
        limit,
        latency,
        semaphore: semaphore_row,
        buffered,
        unlimited,
        available_after,
    };
    summary.print_legend();
    if let Some(path) = &args.trace {
        recording::write(&recorder.trace, path, requests)?;
    }
    Ok(summary)
}

// ANCHOR: fetch
/// One GET with reqwest. Sending and reading the body each `.await`, so while this
/// request waits for the server, the one client thread runs the others.
async fn fetch(client: &Client, url: &str) -> io::Result<()> {
    let response = client.get(url).send().await.map_err(io::Error::other)?;
    let response = response.error_for_status().map_err(io::Error::other)?;
    let page = response.text().await.map_err(io::Error::other)?;
    match page == server::PAGE {
        true => Ok(()),
        false => Err(io::Error::other("the server's reply is not the page")),
    }
}
// ANCHOR_END: fetch

// ANCHOR: semaphore
/// asyncio's `async with sem: await fetch()`, with the permit taken BEFORE the spawn: the
/// loop waits here for a free permit, so at most `limit` tasks exist, not `requests` tasks
/// of which all but `limit` sit waiting. The permit moves into the task and goes back
/// when the task drops it, once, however the task ends: there is no `release()` to call
/// twice or to call without an acquire, so the count of free permits never passes `limit`.
async fn limited_by_semaphore(
    client: &Client,
    url: &str,
    requests: usize,
    semaphore: &Arc<Semaphore>,
    tasks: &Gauge,
    permits_left: &PermitsLeft,
) -> io::Result<()> {
    let mut handles = Vec::with_capacity(requests);
    for _ in 0..requests {
        let permit = Arc::clone(semaphore)
            .acquire_owned()
            .await
            .map_err(io::Error::other)?;
        permits_left(semaphore.available_permits());
        let alive = tasks.enter();
        let (client, url) = (client.clone(), url.to_owned());
        let (semaphore, permits_left) = (Arc::clone(semaphore), Arc::clone(permits_left));
        handles.push(tokio::spawn(async move {
            let reply = fetch(&client, &url).await;
            drop((permit, alive)); // the permit goes back here, and only here
            permits_left(semaphore.available_permits());
            reply
        }));
    }
    for handle in handles {
        handle.await.map_err(io::Error::other)??;
    }
    Ok(())
}
// ANCHOR_END: semaphore

// ANCHOR: buffered
/// The same limit without a semaphore or tasks: a stream of request futures of which
/// `buffer_unordered` keeps at most `limit` running, starting the next as one finishes.
async fn limited_by_buffer_unordered(
    client: &Client,
    url: &str,
    requests: usize,
    limit: usize,
) -> io::Result<()> {
    let mut replies = futures::stream::iter(0..requests)
        .map(|_| fetch(client, url))
        .buffer_unordered(limit);
    while let Some(reply) = replies.next().await {
        reply?;
    }
    Ok(())
}
// ANCHOR_END: buffered

// ANCHOR: unlimited
/// No limit: a task per request, all spawned at once, all in flight at once.
async fn unlimited(client: &Client, url: &str, requests: usize, tasks: &Gauge) -> io::Result<()> {
    let handles: Vec<_> = (0..requests)
        .map(|_| {
            let alive = tasks.enter();
            let (client, url) = (client.clone(), url.to_owned());
            tokio::spawn(async move {
                let reply = fetch(&client, &url).await;
                drop(alive);
                reply
            })
        })
        .collect();
    for handle in handles {
        handle.await.map_err(io::Error::other)??;
    }
    Ok(())
}
// ANCHOR_END: unlimited
