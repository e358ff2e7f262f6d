//! Many web requests at once: the classic I/O-bound job.
//!
//! N requests go to a server that takes `--latency-ms` to answer each one. One after
//! another they take N x latency, nearly all of it waiting. Threads, a pool, or async
//! tasks let the waits overlap. The async row is the notes' point: an async client on a
//! ONE-thread runtime keeps all N requests in flight at once. Two more rows show what
//! async is not: threads behind an async face (spawn_blocking, asyncio.to_thread), and
//! the classic mistake, a blocking client inside async tasks, as slow as sequential.
//!
//! Run: `cargo run --release -p io-bound`
//! or:  `cargo run --release -p io-bound -- --requests 1000 --latency-ms 1000 --only async,threads`
//!      `cargo run --release -p io-bound -- --serve` (the slow site alone, for curl)
//!
//! Look at `speedup`, at `peak` (requests the server had in progress at once) and at
//! `threads`: the async row has every request in flight on one thread.

mod limits;
mod measure;
mod output;
mod probe;
mod recording;
mod report;
mod serve;
mod server;
mod trace;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use clap::{Parser, ValueEnum};
use measure::{
    Outcome, Target, async_client, blocking_client, embedded_server, gather_on_one_thread,
    http_url, measure,
};
use recording::Recorder;
use trace::Trace;

/// N slow requests: sequential, one thread each, a pool, async tasks on one thread,
/// threads behind async, and the blocking-inside-async mistake.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many requests each method sends (1-10000)
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    requests: u32,
    /// Milliseconds the embedded server waits before answering each request (0-10000)
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    latency_ms: u64,
    /// Worker threads in the fixed pool (1-1000)
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pool: u32,
    /// Run only these methods (the table's first column), comma-separated (default: all)
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Method>,
    /// Send the requests to this http:// URL instead of the embedded server
    #[arg(long, value_parser = http_url)]
    url: Option<String>,
    /// Only serve the slow site, on ADDR (port 0: any free port), until Ctrl-C
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:8000",
          conflicts_with_all = ["url", "only", "requests", "pool", "trace"])]
    serve: Option<SocketAddr>,
    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer)
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

/// The methods, in table order (their names and keys are in report.rs).
#[derive(Clone, Copy, Debug, PartialEq, ValueEnum)]
pub enum Method {
    Sequential,
    Threads,
    Pool,
    Async,
    // The table's and the summary's spelling works too: --only threads_behind_async.
    #[value(alias = "threads_behind_async")]
    ThreadsBehindAsync,
    #[value(alias = "blocked_async")]
    BlockedAsync,
}

/// tokio's blocking pool starts at most this many threads (its default).
const BLOCKING_THREADS: usize = 512;

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = Args::parse();
    let result = match args.serve {
        Some(addr) => serve::until_stopped(addr, Duration::from_millis(args.latency_ms)),
        None => run(&args).map(|summary| println!("{summary}")),
    };
    // A failure at run time is one line that says what to do: `error: context: cause`.
    if let Err(error) = result {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn run(args: &Args) -> anyhow::Result<report::Summary> {
    let (n, pool) = (args.requests as usize, args.pool as usize);
    let latency = Duration::from_millis(args.latency_ms);
    let chosen = |m: &Method| args.only.is_empty() || args.only.contains(m);
    let rows = Method::value_variants().iter().filter(|m| chosen(m));
    limits::check_most_threads(rows.filter_map(|m| m.threads(n, pool, BLOCKING_THREADS)))?;
    let server = embedded_server(args.url.is_none(), n, latency)?;
    let trace = args
        .trace
        .as_ref()
        .map_or_else(Trace::off, |_| Trace::new(Instant::now()));
    let recorder = Recorder::new(trace);
    let t = &Target::new(
        args.url.as_deref(),
        server.as_ref(),
        latency,
        recorder.clone(),
    );
    println!(
        "io-bound: {n} requests to {}, each answered after {} ms (latency_ms)\n",
        t.url, args.latency_ms
    );

    let send = |method| match method {
        Method::Sequential => sequential(t, n),
        Method::Threads => thread_per_request(t, n),
        Method::Pool => fixed_pool(t, n, pool),
        Method::Async => async_on_one_thread(t, n),
        Method::ThreadsBehindAsync => threads_behind_async(t, n),
        Method::BlockedAsync => blocking_mistake(t, n),
    };
    let mut rows = Vec::new();
    for &method in Method::value_variants() {
        if chosen(&method) {
            let about = method.describe(n, pool, BLOCKING_THREADS);
            recorder.begin_row(method, &about.1);
            rows.push(measure(server.as_ref(), t, about, || send(method))?);
        }
    }
    let summary = report::Summary::new(n, args.latency_ms, pool, rows, server.as_ref());
    summary.print_table();
    summary.check()?;
    if let Some(path) = &args.trace {
        recording::write(&recorder.trace, path, n)?;
    }
    Ok(summary)
}

/// The blocking client (ureq) of the thread rows: one request, the whole page read.
fn get(agent: &ureq::Agent, target: &Target) -> Outcome {
    let _counted = target.start_request();
    let mut response = agent.get(&target.url).call()?;
    target.check(&response.body_mut().read_to_string()?)
}

/// One after another: each request waits for the previous one to finish.
fn sequential(target: &Target, n: usize) -> anyhow::Result<Vec<Outcome>> {
    let agent = blocking_client(target);
    Ok((0..n).map(|_| get(&agent, target)).collect())
}

/// One OS thread per request; while one waits on its socket the kernel runs the others.
fn thread_per_request(target: &Target, n: usize) -> anyhow::Result<Vec<Outcome>> {
    let agent = blocking_client(target);
    thread::scope(|scope| {
        let mut handles = Vec::with_capacity(n);
        for i in 0..n {
            let thread = thread::Builder::new().stack_size(limits::STACK);
            let spawned = thread.spawn_scoped(scope, || get(&agent, target));
            handles.push(spawned.with_context(|| {
                format!("cannot start thread {} of {n}; lower --requests", i + 1)
            })?);
        }
        Ok(handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow!("its thread panicked")))
            })
            .collect())
    })
}

/// A fixed set of workers; each takes the next request number until none are left
/// (the shared counter is the work queue, like ThreadPoolExecutor's).
fn fixed_pool(target: &Target, n: usize, workers: usize) -> anyhow::Result<Vec<Outcome>> {
    let (agent, next) = (blocking_client(target), AtomicUsize::new(0));
    let worker = || {
        let mut done = Vec::new();
        while next.fetch_add(1, Ordering::SeqCst) < n {
            done.push(get(&agent, target));
        }
        done
    };
    thread::scope(|scope| {
        let mut handles = Vec::with_capacity(workers);
        for w in 0..workers {
            let spawned = thread::Builder::new()
                .stack_size(limits::STACK)
                .spawn_scoped(scope, worker);
            handles.push(spawned.with_context(|| {
                format!("cannot start worker {} of {workers}; lower --pool", w + 1)
            })?);
        }
        Ok(handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect())
    })
}

// ANCHOR: async
/// The notes' point: tasks on ONE thread with an async client. Each `.await` on the
/// socket hands the thread back to the runtime, so all n requests are in flight while
/// that one thread waits for whichever answer comes first.
fn async_on_one_thread(target: &Target, n: usize) -> anyhow::Result<Vec<Outcome>> {
    let client = async_client(target)?;
    gather_on_one_thread(n, || fetch(client.clone(), target.clone()))
}

async fn fetch(client: reqwest::Client, target: Target) -> Outcome {
    let _counted = target.start_request();
    // `.await`: until the reply is in, the thread runs the other tasks' requests.
    let response = client.get(&target.url).send().await?;
    let response = response.error_for_status()?;
    target.check(&response.text().await?)
}
// ANCHOR_END: async

// ANCHOR: behind
/// Threads behind an async face: each task hands the blocking call to tokio's blocking
/// pool (asyncio.to_thread). One thread per request in flight, as in the threads row.
fn threads_behind_async(target: &Target, n: usize) -> anyhow::Result<Vec<Outcome>> {
    let agent = blocking_client(target);
    gather_on_one_thread(n, || {
        let (agent, target) = (agent.clone(), target.clone());
        async move {
            let call = tokio::task::spawn_blocking(move || get(&agent, &target));
            call.await.unwrap_or_else(|e| Err(e.into()))
        }
    })
}

/// The mistake: the same tasks call ureq directly. The call blocks the only thread
/// the runtime has, so no other task can run until it returns.
fn blocking_mistake(target: &Target, n: usize) -> anyhow::Result<Vec<Outcome>> {
    let agent = blocking_client(target);
    gather_on_one_thread(n, || {
        let (agent, target) = (agent.clone(), target.clone());
        async move { get(&agent, &target) }
    })
}
// ANCHOR_END: behind
