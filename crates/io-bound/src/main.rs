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

mod measure;
mod probe;
mod report;
mod serve;
mod server;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::{thread, time::Duration};

use clap::{Parser, ValueEnum};
use measure::{
    Outcome, Target, async_client, blocking_client, embedded_server, http_url, measure, text,
};

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
    /// Run only these methods, comma-separated (default: all, in table order)
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Method>,
    /// Send the requests to this http:// URL instead of the embedded server
    #[arg(long, value_parser = http_url)]
    url: Option<String>,
    /// Only serve the slow site, on ADDR (port 0: any free port), until Ctrl-C
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:8000",
          conflicts_with_all = ["url", "only", "requests", "pool"])]
    serve: Option<SocketAddr>,
}

/// The methods, in table order (their names and keys are in report.rs).
#[derive(Clone, Copy, Debug, PartialEq, ValueEnum)]
pub enum Method {
    Sequential,
    Threads,
    Pool,
    Async,
    ThreadsBehindAsync,
    BlockedAsync,
}

/// tokio's blocking pool starts at most this many threads (its default).
const BLOCKING_THREADS: usize = 512;

fn main() -> ExitCode {
    end_quietly_on_closed_pipe();
    let args = Args::parse();
    let result = match args.serve {
        Some(addr) => serve::until_stopped(addr, Duration::from_millis(args.latency_ms)),
        None => run(&args).map(|summary| println!("{summary}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &Args) -> Result<report::Summary, String> {
    let (n, pool) = (args.requests as usize, args.pool as usize);
    let latency = Duration::from_millis(args.latency_ms);
    let server = embedded_server(args.url.is_none(), n, latency)?;
    let t = &Target::new(args.url.as_deref(), server.as_ref(), latency);
    println!(
        "io-bound: {n} requests to {}, latency {} ms\n",
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
        if args.only.is_empty() || args.only.contains(&method) {
            let about = method.describe(n, pool, BLOCKING_THREADS);
            rows.push(measure(server.as_ref(), t, about, || send(method))?);
        }
    }
    let summary = report::Summary::new(n, args.latency_ms, pool, rows, server.as_ref());
    summary.print_table();
    summary.check()?;
    Ok(summary)
}

/// The blocking client (ureq) of the thread rows: one request, the whole page read.
fn get(agent: &ureq::Agent, target: &Target) -> Outcome {
    let _counted = target.start_request();
    let mut response = agent.get(&target.url).call().map_err(text)?;
    target.check(&response.body_mut().read_to_string().map_err(text)?)
}

/// One after another: each request waits for the previous one to finish.
fn sequential(target: &Target, n: usize) -> Result<Vec<Outcome>, String> {
    let agent = blocking_client(target);
    Ok((0..n).map(|_| get(&agent, target)).collect())
}

/// One OS thread per request; while one waits on its socket the kernel runs the others.
fn thread_per_request(target: &Target, n: usize) -> Result<Vec<Outcome>, String> {
    let agent = blocking_client(target);
    thread::scope(|scope| {
        let mut handles = Vec::with_capacity(n);
        for i in 0..n {
            let spawned = thread::Builder::new().spawn_scoped(scope, || get(&agent, target));
            handles.push(spawned.map_err(|e| format!("cannot start thread {i}: {e}"))?);
        }
        Ok(handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("panicked".into())))
            .collect())
    })
}

/// A fixed set of workers; each takes the next request number until none are left
/// (the shared counter is the work queue, like ThreadPoolExecutor's).
fn fixed_pool(target: &Target, n: usize, workers: usize) -> Result<Vec<Outcome>, String> {
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
            let spawned = thread::Builder::new().spawn_scoped(scope, worker);
            handles.push(spawned.map_err(|e| format!("cannot start worker {w}: {e}"))?);
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
fn async_on_one_thread(target: &Target, n: usize) -> Result<Vec<Outcome>, String> {
    let client = async_client(target)?;
    gather_on_one_thread(n, || fetch(client.clone(), target.clone()))
}

async fn fetch(client: reqwest::Client, target: Target) -> Outcome {
    let _counted = target.start_request();
    // `.await`: until the reply is in, the thread runs the other tasks' requests.
    let response = client.get(&target.url).send().await.map_err(text)?;
    let response = response.error_for_status().map_err(text)?;
    target.check(&response.text().await.map_err(text)?)
}
// ANCHOR_END: async

// ANCHOR: behind
/// Threads behind an async face: each task hands the blocking call to tokio's blocking
/// pool (asyncio.to_thread). One thread per request in flight, as in the threads row.
fn threads_behind_async(target: &Target, n: usize) -> Result<Vec<Outcome>, String> {
    let agent = blocking_client(target);
    gather_on_one_thread(n, || {
        let (agent, target) = (agent.clone(), target.clone());
        async move {
            let call = tokio::task::spawn_blocking(move || get(&agent, &target));
            call.await.unwrap_or_else(|e| Err(text(e)))
        }
    })
}

/// The mistake: the same tasks call ureq directly. The call blocks the only thread
/// the runtime has, so no other task can run until it returns.
fn blocking_mistake(target: &Target, n: usize) -> Result<Vec<Outcome>, String> {
    let agent = blocking_client(target);
    gather_on_one_thread(n, || {
        let (agent, target) = (agent.clone(), target.clone());
        async move { get(&agent, &target) }
    })
}
// ANCHOR_END: behind

/// Spawns n tasks on a current-thread runtime and waits for all: asyncio.gather.
fn gather_on_one_thread<F>(n: usize, task: impl Fn() -> F) -> Result<Vec<Outcome>, String>
where
    F: std::future::Future<Output = Outcome> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}; check system limits"))?;
    Ok(runtime.block_on(async {
        let handles: Vec<_> = (0..n).map(|_| tokio::spawn(task())).collect();
        let mut outcomes = Vec::with_capacity(n);
        for handle in handles {
            outcomes.push(handle.await.unwrap_or_else(|e| Err(text(e))));
        }
        outcomes
    }))
}

// ANCHOR: closed-pipe
/// `program | head` closes the pipe early, and the next `println!` then panics with
/// "Broken pipe". The reader is done, the program is not wrong: end quietly, status 0.
fn end_quietly_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.to_string().contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
// ANCHOR_END: closed-pipe
