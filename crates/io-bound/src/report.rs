//! The rows the demo measured, the table, and the summary line.

use std::fmt;
use std::time::Duration;

use crate::Method;
use crate::limits::ThreadRow;
use crate::output::write_summary;

impl Method {
    /// Summary key, table name, and how many latencies it needs if only waits cost.
    pub fn describe(self, n: usize, pool: usize, blocking: usize) -> (&'static str, String, usize) {
        match self {
            Method::Sequential => ("sequential", "sequential".into(), n),
            Method::Threads => ("threads", "threads (one per request)".into(), 1),
            Method::Pool => ("pool", format!("pool of {pool} threads"), n.div_ceil(pool)),
            Method::Async => ("async", "async: reqwest, one thread".into(), 1),
            Method::ThreadsBehindAsync => (
                "threads_behind_async",
                "threads behind async".into(),
                n.div_ceil(blocking),
            ),
            Method::BlockedAsync => ("blocked_async", "async mistake: blocking call".into(), n),
        }
    }

    /// The OS threads the row starts for its requests, if it starts any, and their flag.
    pub fn threads(self, n: usize, pool: usize, blocking: usize) -> Option<ThreadRow> {
        let (name, threads, flag) = match self {
            Method::Threads => ("threads", n, "--requests"),
            Method::Pool => ("pool", pool, "--pool"),
            Method::ThreadsBehindAsync => ("threads behind async", n.min(blocking), "--requests"),
            _ => return None,
        };
        Some(ThreadRow {
            name,
            threads,
            flag,
        })
    }
}

/// One method, measured.
pub struct Row {
    /// The method's name in summary keys: `async` gives `async_s`, `peak_async`, ...
    pub key: &'static str,
    pub name: String,
    pub elapsed: Duration,
    /// How many latencies this method needs if only the server's waits cost anything.
    pub ideal_rounds: usize,
    pub ok: usize,
    pub first_error: Option<String>,
    /// The most requests the embedded server had in progress at once (None with --url).
    pub peak: Option<usize>,
    /// The most OS threads the client side had during the row (None without /proc).
    pub threads: Option<usize>,
    /// Resident memory the row added, per request in flight, in KiB (None without /proc).
    pub kib_per_request: Option<f64>,
}

/// Everything the summary line says.
pub struct Summary {
    pub requests: usize,
    pub latency_ms: u64,
    pub pool: usize,
    pub rows: Vec<Row>,
    /// Requests the embedded server answered (None with --url).
    pub served: Option<usize>,
}

impl Summary {
    pub fn new(
        requests: usize,
        latency_ms: u64,
        pool: usize,
        rows: Vec<Row>,
        server: Option<&crate::server::Server>,
    ) -> Summary {
        let served = server.map(crate::server::Server::served);
        Summary {
            requests,
            latency_ms,
            pool,
            rows,
            served,
        }
    }

    fn speedup(&self, row: &Row) -> Option<f64> {
        let base = self.rows.iter().find(|r| r.key == "sequential")?;
        Some(base.elapsed.as_secs_f64() / row.elapsed.as_secs_f64())
    }

    pub fn all_ok(&self) -> bool {
        let expected = self.requests * self.rows.len();
        self.rows.iter().all(|r| r.ok == self.requests)
            && self.served.is_none_or(|served| served == expected)
    }

    /// Every request of every row must have succeeded.
    pub fn check(&self) -> anyhow::Result<()> {
        let n = self.requests;
        match self.rows.iter().find(|r| r.ok != n) {
            None => Ok(()),
            Some(row) => anyhow::bail!(
                "{} of {n} requests failed in the row \"{}\" (first: {}); check the server, or lower --requests",
                n - row.ok,
                row.name,
                row.first_error.as_deref().unwrap_or("unknown")
            ),
        }
    }

    /// What the row does, in the table's `how` column.
    fn how(&self, row: &Row) -> String {
        match row.key {
            "sequential" => "one after another".into(),
            "threads" => "a thread per request".into(),
            "pool" => format!("{} threads take turns", self.pool),
            "async" => "reqwest tasks, one thread".into(),
            "threads_behind_async" => "tasks -> spawn_blocking".into(),
            _ => "ureq inside tasks: mistake".into(),
        }
    }

    fn ideal_s(&self, row: &Row) -> f64 {
        row.ideal_rounds as f64 * self.latency_ms as f64 / 1e3
    }

    /// The whole run's ideal time: every row's waits, one row after another.
    fn total_ideal_s(&self) -> f64 {
        self.rows.iter().map(|r| self.ideal_s(r)).sum()
    }

    pub fn print_table(&self) {
        let dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        println!(
            "{:<20} {:<26} {:>7} {:>7} {:>7} {:>5} {:>7} {:>15}",
            "method", "how", "seconds", "speedup", "ideal_s", "peak", "threads", "kib_per_request"
        );
        for r in &self.rows {
            println!(
                "{:<20} {:<26} {:>7.3} {:>7} {:>7.3} {:>5} {:>7} {:>15}",
                r.key,
                self.how(r),
                r.elapsed.as_secs_f64(),
                dash(self.speedup(r).map(|s| format!("{s:.2}x"))),
                self.ideal_s(r),
                dash(r.peak.map(|p| p.to_string())),
                dash(r.threads.map(|t| t.to_string())),
                dash(r.kib_per_request.map(|k| format!("{k:.1}"))),
            );
        }
        let (n, ms) = (self.requests, self.latency_ms);
        // A pool of 4 sends 20 requests in 5 rounds; a row that sends them all at once, in 1.
        println!();
        println!(
            "seconds = the row's wall time; speedup = sequential's seconds / the row's seconds."
        );
        let many: Vec<String> = (self.rows.iter())
            .filter(|r| r.ideal_rounds > 1 || r.key == "sequential")
            .map(|r| format!("{} {}", r.key, r.ideal_rounds))
            .collect();
        println!("ideal_s = the time the server's waits alone would take: {ms} ms x the rounds");
        println!("          of waits the row needs, one after another: 1 where all {n} wait at");
        match many.is_empty() {
            true => println!("          once."),
            false => println!("          once; {}.", many.join(", ")),
        }
        println!("peak    = most requests the server was answering at the same moment.");
        println!("threads = most OS threads of this process during the row (the kernel's count,");
        println!("          /proc/self/status), less the embedded server's one and the sampler's.");
        println!("kib_per_request = the memory the row added (resident memory: the RAM pages the");
        println!("          process really holds, Linux's VmRSS), in KiB, / the most requests the");
        println!("          client had in flight at once (if 10 or more); later rows reuse memory");
        println!("          earlier rows freed, so compare rows with --only, one method per run.");
        println!("spawn_blocking: tokio runs the blocking call on a thread of its pool, as");
        println!(
            "          asyncio.to_thread does. mistake: the blocking call holds the one thread."
        );
        println!();
        if let Some(served) = self.served {
            println!("served {served}: requests the server answered in all rows");
        }
        println!(
            "all_ok {}: every request got the whole page (and the server counted each one)",
            self.all_ok()
        );
        println!(
            "ideal_s {:.3}: the column's sum, the waits of the whole run",
            self.total_ideal_s()
        );
    }
}

impl fmt::Display for Summary {
    /// About 300 characters: the speedups, and what shows async's point (the async row's
    /// peak, OS threads and memory beside the threads row's); the rest is in the table.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut fields = vec![
            ("requests".to_owned(), self.requests.to_string()),
            ("latency_ms".to_owned(), self.latency_ms.to_string()),
        ];
        if self.rows.iter().any(|r| r.key == "pool") {
            fields.push(("pool".to_owned(), self.pool.to_string()));
        }
        for r in self.rows.iter().filter(|r| r.key != "sequential") {
            if let Some(s) = self.speedup(r) {
                fields.push((format!("speedup_{}", r.key), format!("{s:.2}")));
            }
        }
        let async_row = self.rows.iter().find(|r| r.key == "async");
        if let Some(peak) = async_row.and_then(|r| r.peak) {
            fields.push(("peak_async".to_owned(), peak.to_string()));
        }
        let compared = || {
            self.rows
                .iter()
                .filter(|r| r.key == "threads" || r.key == "async")
        };
        for r in compared() {
            if let Some(t) = r.threads {
                fields.push((format!("threads_{}", r.key), t.to_string()));
            }
        }
        for r in compared() {
            if let Some(k) = r.kib_per_request {
                fields.push((format!("kib_per_request_{}", r.key), format!("{k:.1}")));
            }
        }
        fields.push(("all_ok".to_owned(), self.all_ok().to_string()));
        fields.push(("ideal_s".to_owned(), format!("{:.3}", self.total_ideal_s())));
        let fields: Vec<(&str, String)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        write_summary(f, &fields)
    }
}
