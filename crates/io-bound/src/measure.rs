//! Times one method and collects what it cost: the server's peak of requests in
//! progress, the client's OS threads, the resident memory it added.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::limits;
use crate::probe::{self, Sampler};
use crate::recording::{Recorder, Started};
use crate::report::Row;
use crate::server::Server;

/// What each request returns: Ok, or what went wrong (counted; the first one is shown).
pub type Outcome = anyhow::Result<()>;

/// Where the requests go, and the page to expect (known only for the embedded server).
#[derive(Clone)]
pub struct Target {
    pub url: String,
    pub page: Option<&'static str>,
    pub latency: Duration,
    /// Requests the client has in flight now, and the most since the last reset.
    pub in_flight: Arc<[AtomicUsize; 2]>,
    /// `--trace`: each request in flight, on the row's group.
    pub recorder: Arc<Recorder>,
}

/// Counts one request as in flight until it drops.
pub struct InFlight(Arc<[AtomicUsize; 2]>, Option<(Arc<Recorder>, Started)>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0[0].fetch_sub(1, Ordering::SeqCst);
        if let Some((recorder, started)) = self.1.take() {
            recorder.end(started);
        }
    }
}

impl Target {
    /// The embedded server's page, or `url` when one is given.
    pub fn new(
        url: Option<&str>,
        server: Option<&Server>,
        latency: Duration,
        recorder: Arc<Recorder>,
    ) -> Target {
        Target {
            url: url.map_or_else(
                || server.map(Server::url).unwrap_or_default(),
                str::to_owned,
            ),
            page: server.map(|_| crate::server::PAGE),
            latency,
            in_flight: Arc::default(),
            recorder,
        }
    }

    /// Checks a reply: the embedded server's page exactly, or any body from elsewhere.
    pub fn check(&self, body: &str) -> Outcome {
        match self.page {
            Some(page) if body != page => anyhow::bail!("unexpected {}-byte body", body.len()),
            _ => Ok(()),
        }
    }

    /// Marks a request in flight (for the memory per request in flight, and the trace).
    pub fn start_request(&self) -> InFlight {
        let now = self.in_flight[0].fetch_add(1, Ordering::SeqCst) + 1;
        self.in_flight[1].fetch_max(now, Ordering::SeqCst);
        let traced = self
            .recorder
            .start()
            .map(|s| (Arc::clone(&self.recorder), s));
        InFlight(Arc::clone(&self.in_flight), traced)
    }

    /// Generous limits, so a stuck server is an error and never a hang.
    pub fn timeout(&self) -> Duration {
        self.latency + Duration::from_secs(30)
    }
}

/// Runs `method` and measures it.
pub fn measure(
    server: Option<&Server>,
    target: &Target,
    (key, name, ideal_rounds): (&'static str, String, usize),
    method: impl FnOnce() -> anyhow::Result<Vec<Outcome>>,
) -> anyhow::Result<Row> {
    if let Some(server) = server {
        server.take_peak();
    }
    target.in_flight[1].store(0, Ordering::SeqCst);
    // The embedded server runs on one thread of this process: not the client's.
    let server_threads = usize::from(server.is_some());
    probe::settle(1 + server_threads);
    let before = probe::status();
    let sampler = Sampler::start();
    let start = Instant::now();
    let outcomes = method()?;
    let elapsed = start.elapsed();
    let most = sampler.stop();
    let in_flight = target.in_flight[1].load(Ordering::SeqCst).max(1);
    let kib = |b: probe::Status, m: probe::Status| {
        m.rss_kib.saturating_sub(b.rss_kib) as f64 / in_flight as f64
    };
    Ok(Row {
        key,
        name,
        elapsed,
        ideal_rounds,
        ok: outcomes.iter().filter(|o| o.is_ok()).count(),
        first_error: outcomes
            .into_iter()
            .find_map(|o| o.err().map(|e| format!("{e:#}"))),
        peak: server.map(Server::take_peak),
        threads: most.map(|m| m.threads - server_threads),
        // With few requests in flight, the allocator's own noise would be the figure.
        kib_per_request: (in_flight >= 10)
            .then_some(before.zip(most))
            .flatten()
            .map(|(b, m)| kib(b, m)),
    })
}

/// The slow site on its own thread, unless the requests go to --url.
pub fn embedded_server(
    embedded: bool,
    requests: usize,
    latency: Duration,
) -> anyhow::Result<Option<Server>> {
    limits::make_room_for_sockets(requests, embedded)?;
    if !embedded {
        return Ok(None);
    }
    let server = Server::start(latency)
        .context("cannot start the local server; check loopback networking")?;
    Ok(Some(server))
}

/// The async client of the one-thread row; loopback goes straight, not via $http_proxy.
pub fn async_client(target: &Target) -> anyhow::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .no_proxy()
        .timeout(target.timeout());
    builder.build().context("cannot build the HTTP client")
}

/// A fresh ureq client per method, so none starts with another's open connections.
/// Per-phase timeouts: with a global one ureq resolves names on an extra thread.
pub fn blocking_client(target: &Target) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(5)))
        .timeout_recv_response(Some(target.timeout()))
        .timeout_recv_body(Some(Duration::from_secs(10)))
        // Loopback traffic must not be sent to an $http_proxy from the environment.
        .proxy(None);
    config.build().into()
}

/// `--url` takes plain http: the async client is built without TLS (see README).
pub fn http_url(url: &str) -> Result<String, String> {
    match url.starts_with("http://") {
        true => Ok(url.to_owned()),
        false => Err("only http:// URLs (the async client is built without TLS)".into()),
    }
}

/// Spawns n tasks on a current-thread runtime and waits for all: asyncio.gather.
pub fn gather_on_one_thread<F>(n: usize, task: impl Fn() -> F) -> anyhow::Result<Vec<Outcome>>
where
    F: std::future::Future<Output = Outcome> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(crate::BLOCKING_THREADS)
        .build()
        .context("cannot start the tokio runtime; check the process's limits (ulimit -a)")?;
    Ok(runtime.block_on(async {
        let handles: Vec<_> = (0..n).map(|_| tokio::spawn(task())).collect();
        let mut outcomes = Vec::with_capacity(n);
        for handle in handles {
            outcomes.push(handle.await.unwrap_or_else(|e| Err(e.into())));
        }
        outcomes
    }))
}
