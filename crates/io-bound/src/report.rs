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

    pub fn print_table(&self) {
        let dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        println!(
            "{:<32} {:>8} {:>8} {:>8} {:>6} {:>8} {:>8} {:>11}",
            "method", "seconds", "speedup", "ideal s", "peak", "threads", "KiB/req", "ok"
        );
        for r in &self.rows {
            println!(
                "{:<32} {:>8.3} {:>8} {:>8.3} {:>6} {:>8} {:>8} {:>11}",
                r.name,
                r.elapsed.as_secs_f64(),
                dash(self.speedup(r).map(|s| format!("{s:.2}x"))),
                r.ideal_rounds as f64 * self.latency_ms as f64 / 1e3,
                dash(r.peak.map(|p| p.to_string())),
                dash(r.threads.map(|t| t.to_string())),
                dash(r.kib_per_request.map(|k| format!("{k:.1}"))),
                format!("{}/{}", r.ok, self.requests)
            );
        }
        println!();
        println!("peak    = most requests the server was answering at the same moment.");
        println!("threads = most OS threads of this process during the row (/proc/self/status),");
        println!("          less the embedded server's one thread and the sampler's.");
        println!("KiB/req = resident memory (VmRSS) the row added / most requests the client had");
        println!("          in flight at once (if 10 or more); later rows reuse memory earlier");
        println!("          rows freed, so compare rows with --only, one method per run.");
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut fields = vec![
            ("requests".to_owned(), self.requests.to_string()),
            ("latency_ms".to_owned(), self.latency_ms.to_string()),
            ("pool".to_owned(), self.pool.to_string()),
        ];
        let per_row = |fields: &mut Vec<(String, String)>,
                       prefix: &str,
                       suffix: &str,
                       value: &dyn Fn(&Row) -> Option<String>| {
            for r in &self.rows {
                if let Some(v) = value(r) {
                    fields.push((format!("{prefix}{}{suffix}", r.key), v));
                }
            }
        };
        per_row(&mut fields, "", "_s", &|r| {
            Some(format!("{:.3}", r.elapsed.as_secs_f64()))
        });
        per_row(&mut fields, "speedup_", "", &|r| {
            let s = self.speedup(r).filter(|_| r.key != "sequential")?;
            Some(format!("{s:.2}"))
        });
        let rounds: usize = self.rows.iter().map(|r| r.ideal_rounds).sum();
        let ideal_s = rounds as f64 * self.latency_ms as f64 / 1e3;
        fields.push(("all_ok".to_owned(), self.all_ok().to_string()));
        fields.push(("ideal_s".to_owned(), format!("{ideal_s:.3}")));
        if let Some(served) = self.served {
            fields.push(("served".to_owned(), served.to_string()));
        }
        per_row(&mut fields, "peak_", "", &|r| r.peak.map(|p| p.to_string()));
        per_row(&mut fields, "threads_", "", &|r| {
            r.threads.map(|t| t.to_string())
        });
        per_row(&mut fields, "kib_per_request_", "", &|r| {
            r.kib_per_request.map(|k| format!("{k:.1}"))
        });
        let fields: Vec<(&str, String)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        write_summary(f, &fields)
    }
}
