//! The harness: what each part means, the tables, and the closing summary line.

use std::fmt;
use std::time::Duration;

use crate::clients::{BATCH, FanOut, Slow};
use crate::output::write_summary;
use crate::room::{SEND_BUFFER, Totals};

/// The words once, before the first table.
pub fn explain() {
    println!(
        "A chat server on ONE thread (a tokio current_thread runtime, its OS thread named 'server');"
    );
    println!("the demo's clients run on the main thread. Every line a client says goes into one");
    println!("broadcast channel; each connection's task waits in one select! for a line from its");
    println!("client or a line for it.");
    println!();
    println!("Part 1, fan-out: client #1 says one line per round; the round ends when every other");
    println!("client has it. 'first' is when the first other client had it, 'all' when the last");
    println!("one did (the fan-out latency), both the median over rounds; 'worst' the slowest");
    println!("round's 'all'. 'threads' counts the OS threads named 'server', then the process's.");
    println!();
    println!(
        "  {:>7}  {:>6}  {:>12}  {:>9}  {:>9}  {:>9}  {:>7}",
        "clients", "rounds", "received", "first ms", "all ms", "worst ms", "threads"
    );
}

pub fn fan_out_row(f: &FanOut, _first: bool) {
    println!(
        "  {:>7}  {:>6}  {:>12}  {:>9.3}  {:>9.3}  {:>9.3}  {:>7}",
        f.clients,
        f.rounds,
        format!("{}/{}", f.received, f.expected),
        f.first_ms,
        f.fanout_ms,
        f.worst_ms,
        format!("{} of {}", f.server_threads, f.process_threads)
    );
}

pub fn slow_table(s: &Slow, patience: Duration, capacity: u32) {
    let patience_ms = patience.as_millis();
    println!();
    println!(
        "Part 2, slow readers: 10 clients; #1 says {} lines, {BATCH} at a time. Seven read",
        s.lines
    );
    println!("as lines come. One pauses reading until all are said; one never reads. The server");
    println!(
        "gives each client a {} KB send buffer, the channel keeps the last {capacity} lines for a",
        SEND_BUFFER / 1024
    );
    println!("reader that is behind (a reader past them is 'lagged': told how many it skipped),");
    println!("and a write may wait {patience_ms} ms (the patience) before that client is dropped.");
    println!();
    println!("  {:<28} {:>11}  what it shows", "client", "lines got");
    println!(
        "  {:<28} {:>11}  every line; a batch reached all 7 in {:.2} ms (median), {:.2} ms at worst",
        format!("{} fast readers (together)", s.fast_clients),
        format!("{}/{}", s.fast_received, s.lines as usize * s.fast_clients),
        s.fast_median_ms,
        s.fast_worst_ms
    );
    let told = if s.lagging_told {
        "told it"
    } else {
        "NOT told it"
    };
    println!(
        "  {:<28} {:>11}  lagged: {told} skipped {}; got + skipped = {}",
        "paused reader",
        s.lagging_received,
        s.lagging_skipped,
        u64::from(s.lagging_received) + s.lagging_skipped
    );
    let closed = if s.stuck_closed {
        "dropped: the server closed it"
    } else {
        "NOT closed"
    };
    println!(
        "  {:<28} {:>11}  what fit in its buffers; {closed} after a write waited {patience_ms} ms",
        "reader that never reads", s.stuck_buffered
    );
    println!(
        "  the server counted, in part 2: {} lag notice(s), {} line(s) skipped, {} client(s) dropped; {:.2} s in all",
        s.server_lag_notices,
        s.server_skipped,
        s.server_dropped,
        s.elapsed.as_secs_f64()
    );
}

pub fn server_line(t: &Totals) {
    println!();
    println!(
        "The server, in all: {} joined (at most {} at once), {} lines said, {} written to clients, \
         {} lag notice(s), {} dropped, {} left; every socket closed.",
        t.joined, t.most_here, t.said, t.delivered, t.lag_notices, t.dropped, t.quit
    );
}

/// The figures this run measured, printed as the closing `summary:` line.
pub struct Summary {
    pub fan_outs: Vec<FanOut>,
    pub slow: Slow,
    pub totals: Totals,
    pub patience: Duration,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.slow;
        let server_threads = self
            .fan_outs
            .iter()
            .map(|o| o.server_threads)
            .max()
            .unwrap_or(0);
        let most = self.fan_outs.iter().max_by_key(|o| o.clients);
        let mut fields = vec![
            ("server_threads", server_threads.to_string()),
            (
                "process_threads",
                most.map_or(0, |o| o.process_threads).to_string(),
            ),
            ("most_clients", self.totals.most_here.to_string()),
        ];
        for o in &self.fan_outs {
            let n = o.clients;
            fields.push((
                leak(format!("fanout_ms_{n}")),
                format!("{:.3}", o.fanout_ms),
            ));
            fields.push((leak(format!("received_{n}")), o.received.to_string()));
        }
        let yes = |b: bool| if b { "yes" } else { "no" }.to_string();
        fields.extend([
            ("fast_received", s.fast_received.to_string()),
            ("fast_worst_ms", format!("{:.3}", s.fast_worst_ms)),
            ("lagged_told", s.server_lag_notices.to_string()),
            ("lagging_received", s.lagging_received.to_string()),
            ("skipped", s.lagging_skipped.to_string()),
            ("dropped", s.server_dropped.to_string()),
            ("stuck_closed", yes(s.stuck_closed)),
            ("patience_ms", self.patience.as_millis().to_string()),
            ("ideal_s", format!("{:.3}", self.patience.as_secs_f64())),
        ]);
        write_summary(f, &fields)
    }
}

/// A key made at run time (`fanout_ms_100`) for write_summary's `&str` keys; a handful
/// per run, so leaking them is fine.
fn leak(key: String) -> &'static str {
    Box::leak(key.into_boxed_str())
}
