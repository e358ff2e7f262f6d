//! Many web requests at once: the classic I/O-bound job.
//!
//! N requests go to a server that takes `--latency-ms` to answer each one. Done one
//! after another they take N x latency, nearly all of it waiting. Threads, a small
//! thread pool, or async tasks let the waits overlap, so the whole batch takes about
//! one latency (or N / pool of them). The last row is the classic mistake: a blocking
//! client called straight inside async tasks on a one-thread runtime. Every task
//! blocks the event loop in turn, and the batch is exactly as slow as sequential.
//!
//! Run: `cargo run --release -p io-bound`
//! or:  `cargo run --release -p io-bound -- --requests 100 --latency-ms 100 --pool 8`
//!
//! Look at the `speedup` column, and at `peak`: how many requests the server was
//! handling at the same moment (1 for sequential and for the mistake).

mod server;

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use server::Server;

/// N slow requests: sequential, one thread each, a thread pool, async tasks, and the
/// blocking-inside-async mistake.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many requests each method sends (1-1000)
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    requests: u32,

    /// Milliseconds the embedded server waits before answering each request (0-10000)
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    latency_ms: u64,

    /// Worker threads in the fixed pool (1-1000)
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pool: u32,
}

/// What each request returns: Ok, or what went wrong.
type Outcome = Result<(), String>;

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

fn run(args: &Args) -> Result<String, String> {
    let (n, pool) = (args.requests as usize, args.pool as usize);
    let latency = Duration::from_millis(args.latency_ms);
    let server = Server::start(latency)
        .map_err(|e| format!("cannot start the local server: {e}; check loopback networking"))?;
    let url = server.url();
    println!(
        "io-bound: {n} requests to {url}, each answered after {} ms",
        args.latency_ms
    );
    println!();

    let rows = [
        measure(&server, "sequential", n, |a| sequential(a, &url, n))?,
        measure(&server, "threads (one per request)", 1, |a| {
            thread_per_request(a, &url, n)
        })?,
        measure(
            &server,
            &format!("pool of {pool} threads"),
            n.div_ceil(pool),
            |a| fixed_pool(a, &url, n, pool),
        )?,
        measure(&server, "async: tokio + spawn_blocking", 1, |a| {
            async_spawn_blocking(a, &url, n)
        })?,
        measure(&server, "async mistake: blocking call", n, |a| {
            async_blocking_mistake(a, &url, n)
        })?,
    ];
    print_table(&rows, n, latency);

    if let Some(row) = rows.iter().find(|r| r.ok != n) {
        return Err(format!(
            "{}: {} of {n} requests failed (first: {}); check that nothing else limits loopback connections",
            row.name,
            n - row.ok,
            row.first_error.as_deref().unwrap_or("unknown")
        ));
    }
    let served = server.served();
    if served != 5 * n {
        return Err(format!(
            "the server counted {served} answers, expected {}; this is a bug",
            5 * n
        ));
    }
    let all_ok = rows.iter().all(|r| r.ok == n) && served == 5 * n;
    Ok(summary_line(args, &rows, served, all_ok))
}

/// A fresh client for each method, so none starts with connections another one opened.
/// Per-phase timeouts make a stuck server an error instead of a hang. (A global timeout
/// would also work, but then ureq resolves every host name on an extra thread.)
fn client(latency: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(5)))
        .timeout_send_request(Some(Duration::from_secs(5)))
        .timeout_recv_response(Some(latency + Duration::from_secs(10)))
        .timeout_recv_body(Some(Duration::from_secs(10)))
        // Loopback traffic must not be sent to an $http_proxy from the environment.
        .proxy(None)
        .build()
        .into()
}

/// One request: GET the page, read all of it, check it is the page the server sends.
fn get(agent: &ureq::Agent, url: &str) -> Outcome {
    let mut response = agent.get(url).call().map_err(|e| e.to_string())?;
    let body = response
        .body_mut()
        .read_to_string()
        .map_err(|e| e.to_string())?;
    if body != server::PAGE {
        return Err(format!("unexpected {}-byte body", body.len()));
    }
    Ok(())
}

/// One after another: each request waits for the previous one to finish.
fn sequential(agent: &ureq::Agent, url: &str, n: usize) -> Result<Vec<Outcome>, String> {
    Ok((0..n).map(|_| get(agent, url)).collect())
}

/// One OS thread per request; while one waits on its socket the kernel runs the others.
fn thread_per_request(agent: &ureq::Agent, url: &str, n: usize) -> Result<Vec<Outcome>, String> {
    thread::scope(|scope| {
        let mut handles = Vec::with_capacity(n);
        for i in 0..n {
            let handle = thread::Builder::new()
                .name(format!("request-{i}"))
                .spawn_scoped(scope, || get(agent, url))
                .map_err(|e| format!("cannot start thread {i}: {e}; lower --requests"))?;
            handles.push(handle);
        }
        Ok(handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("request thread panicked".into()))
            })
            .collect())
    })
}

/// A fixed set of workers; each takes the next request number until none are left
/// (the shared counter is the work queue, like ThreadPoolExecutor's).
fn fixed_pool(
    agent: &ureq::Agent,
    url: &str,
    n: usize,
    workers: usize,
) -> Result<Vec<Outcome>, String> {
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut done = Vec::new();
        while next.fetch_add(1, Ordering::SeqCst) < n {
            done.push(get(agent, url));
        }
        done
    };
    thread::scope(|scope| {
        let mut handles = Vec::with_capacity(workers);
        for w in 0..workers {
            let handle = thread::Builder::new()
                .name(format!("worker-{w}"))
                .spawn_scoped(scope, worker)
                .map_err(|e| format!("cannot start worker {w}: {e}; lower --pool"))?;
            handles.push(handle);
        }
        Ok(handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec![Err("worker panicked".into())])
            })
            .collect())
    })
}

/// A one-thread event loop, as in asyncio. ureq blocks, so each task hands its
/// request to tokio's blocking thread pool and awaits the result: asyncio.to_thread.
fn async_spawn_blocking(agent: &ureq::Agent, url: &str, n: usize) -> Result<Vec<Outcome>, String> {
    async fn fetch_in_thread(agent: ureq::Agent, url: String) -> Outcome {
        tokio::task::spawn_blocking(move || get(&agent, &url))
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
    }
    gather_on_one_thread(n, || fetch_in_thread(agent.clone(), url.to_owned()))
}

/// The mistake: the same tasks call ureq directly. The call blocks the only thread
/// the loop has, so no other task can run until it returns.
fn async_blocking_mistake(
    agent: &ureq::Agent,
    url: &str,
    n: usize,
) -> Result<Vec<Outcome>, String> {
    async fn fetch_blocking(agent: ureq::Agent, url: String) -> Outcome {
        get(&agent, &url)
    }
    gather_on_one_thread(n, || fetch_blocking(agent.clone(), url.to_owned()))
}

/// Spawns n tasks on a current-thread runtime and waits for all: asyncio.gather.
fn gather_on_one_thread<F>(n: usize, task: impl Fn() -> F) -> Result<Vec<Outcome>, String>
where
    F: std::future::Future<Output = Outcome> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}; check system limits"))?;
    Ok(runtime.block_on(async {
        let handles: Vec<_> = (0..n).map(|_| tokio::spawn(task())).collect();
        let mut outcomes = Vec::with_capacity(n);
        for handle in handles {
            outcomes.push(handle.await.unwrap_or_else(|e| Err(e.to_string())));
        }
        outcomes
    }))
}

struct Row {
    name: String,
    elapsed: Duration,
    /// How many latencies this method needs if only the server's waits cost anything.
    ideal_rounds: usize,
    ok: usize,
    first_error: Option<String>,
    peak: usize,
}

/// Times one method on a fresh client and collects what the server saw meanwhile.
fn measure(
    server: &Server,
    name: &str,
    ideal_rounds: usize,
    method: impl FnOnce(&ureq::Agent) -> Result<Vec<Outcome>, String>,
) -> Result<Row, String> {
    let agent = client(server.latency());
    server.take_peak();
    let start = Instant::now();
    let outcomes = method(&agent)?;
    let elapsed = start.elapsed();
    Ok(Row {
        name: name.to_owned(),
        elapsed,
        ideal_rounds,
        ok: outcomes.iter().filter(|o| o.is_ok()).count(),
        first_error: outcomes.into_iter().find_map(Result::err),
        peak: server.take_peak(),
    })
}

fn print_table(rows: &[Row], n: usize, latency: Duration) {
    let base = rows[0].elapsed.as_secs_f64();
    println!(
        "{:<32} {:>8} {:>8} {:>8} {:>5} {:>9}",
        "method", "seconds", "speedup", "ideal s", "peak", "ok"
    );
    for r in rows {
        let secs = r.elapsed.as_secs_f64();
        println!(
            "{:<32} {:>8.3} {:>7.2}x {:>8.3} {:>5} {:>9}",
            r.name,
            secs,
            base / secs,
            (latency * r.ideal_rounds as u32).as_secs_f64(),
            r.peak,
            format!("{}/{n}", r.ok)
        );
    }
    println!();
    println!("peak = most requests the server was answering at the same moment.");
    println!(
        "spawn_blocking runs each call on tokio's blocking pool (up to 512 threads by default)."
    );
}

fn summary_line(args: &Args, rows: &[Row], served: usize, all_ok: bool) -> String {
    let secs: Vec<f64> = rows.iter().map(|r| r.elapsed.as_secs_f64()).collect();
    let ideal: usize = rows.iter().map(|r| r.ideal_rounds).sum();
    let ideal_s = ideal as f64 * args.latency_ms as f64 / 1e3;
    format!(
        "summary: requests={} latency_ms={} pool={} sequential_s={:.3} threads_s={:.3} \
         pool_s={:.3} async_s={:.3} blocked_async_s={:.3} speedup_threads={:.2} \
         speedup_pool={:.2} speedup_async={:.2} speedup_blocked_async={:.2} all_ok={all_ok} \
         ideal_s={ideal_s:.3} served={served} peak_sequential={} peak_threads={} peak_pool={} \
         peak_async={} peak_blocked_async={}",
        args.requests,
        args.latency_ms,
        args.pool,
        secs[0],
        secs[1],
        secs[2],
        secs[3],
        secs[4],
        secs[0] / secs[1],
        secs[0] / secs[2],
        secs[0] / secs[3],
        secs[0] / secs[4],
        rows[0].peak,
        rows[1].peak,
        rows[2].peak,
        rows[3].peak,
        rows[4].peak,
    )
}
