//! What the demo prints: part one's three reads, part two's table, who was done when,
//! what the figures mean, and the `summary:` line that `make bench` and `make compare` read.

use std::fmt;
use std::io::{self, ErrorKind};
use std::time::Duration;

use crate::output::write_summary;
use crate::trial::{Load, ServerRun};

/// The demo's settings, as the report needs them.
pub struct Setup {
    pub clients: usize,
    pub delay: Duration,
    pub read_timeout: Duration,
    pub poller: &'static str,
}

impl Setup {
    /// The readiness call the non-blocking server sleeps in, as its man page names it.
    fn poller_call(&self) -> &'static str {
        match self.poller {
            "epoll" => {
                "epoll_wait (poller epoll: epoll(7), Linux's call that waits on many sockets)"
            }
            _ => "poll(2) (poller poll: the whole socket list goes to the kernel on every call)",
        }
    }
}

/// Part one's two figures: how long each read took on a socket with no data.
pub struct PartOne {
    pub wouldblock: Duration,
    pub blocking_wait: Duration,
    pub ready_after: Duration,
    /// When each of the three reads began (the trace draws them).
    pub started: [std::time::Instant; 3],
}

/// Part one's reads have no data to return: anything but WouldBlock (or TimedOut) is wrong.
pub fn expect_wouldblock(got: io::Result<usize>, what: &str) -> io::Result<()> {
    match got {
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(()),
        other => Err(io::Error::other(format!(
            "{what} returned {other:?}, not WouldBlock"
        ))),
    }
}

/// Part one's heading, with the units its lines use.
pub fn part_one_heading() {
    println!(
        "part one: read from a connected socket whose peer has sent nothing yet \
         (us = microseconds, ms = milliseconds)"
    );
}

/// Part one, the non-blocking read on a socket with no data.
pub fn nonblocking_read(took: Duration) {
    println!(
        "  non-blocking read -> WouldBlock after {:>9.1} us  (wouldblock_us)\n      \
         WouldBlock is the OS saying \"no bytes yet, try later\" (EAGAIN; Python: BlockingIOError):\n      \
         the read returns at once and the thread is free to do something else",
        took.as_secs_f64() * 1e6
    );
}

/// Part one, the blocking read with a read timeout.
pub fn blocking_read(took: Duration, timeout: Duration) {
    println!(
        "  blocking read     -> gave up after   {:>9.1} ms  (blocking_wait_ms)\n      \
         the thread slept inside read() until the {} ms read timeout (read_timeout_ms);\n      \
         without one it sleeps until bytes come: forever, here",
        took.as_secs_f64() * 1e3,
        timeout.as_millis()
    );
}

/// Part one, the readiness way: how long until poll() said readable, and what was read.
pub fn poll_then_read(ready_after: Duration, got: &[u8]) {
    println!(
        "  poll() then read  -> readable after  {:>9.1} us\n      \
         poll(2) asks the OS \"wake me when this socket has bytes\" (Python: select); the peer\n      \
         wrote, poll said readable, then the non-blocking read got {} bytes: {:?}",
        ready_after.as_secs_f64() * 1e6,
        got.len(),
        String::from_utf8_lossy(got)
    );
}

/// Part two's heading, printed before its servers run.
pub fn part_two_heading(clients: usize, delay: Duration) {
    println!(
        "\npart two: an echo server on ONE thread, {clients} client(s) in a child process. Each client \
         connects,\n  waits for the server's \"ready\", thinks {} ms (delay_ms: waits before it sends, \
         as a slow user would),\n  sends one line and checks the echo.",
        delay.as_millis()
    );
}

/// The comparison: each server's time against its waits, and when each client was done.
pub fn part_two(summary: &Summary) {
    let setup = &summary.setup;
    let (blocking, nonblocking) = (summary.blocking.as_ref(), summary.nonblocking.as_ref());
    let clients = setup.clients;
    let (d, delay_ms) = (setup.delay.as_secs_f64(), setup.delay.as_millis());
    println!();
    println!("  server        clients  echoed  total_s  waits_s   ratio  cpu_s");
    let runs = [
        ("blocking", blocking, clients as f64 * d),
        ("non-blocking", nonblocking, d),
    ];
    for (name, run, waits) in runs {
        if let Some(r) = run {
            let total = r.total.as_secs_f64();
            println!(
                "  {name:<12}  {clients:>7}  {:>6}  {total:>7.3}  {waits:>7.3}  {:>6.3}  {:>5.3}",
                r.echoed,
                total / waits,
                r.cpu.as_secs_f64()
            );
        }
    }
    println!(
        "  total_s: from the client process's \"ready\" to the last echo. waits_s: the think times this server\n  \
         must sit through (one after another when blocking: clients x delay; all at once otherwise: one delay).\n  \
         ratio = total_s / waits_s (1.0: nothing but the waits). cpu_s: CPU time (user + system) of the server\n  \
         and the client process together, start-up included: the work, as against the waiting.\n  \
         summary keys: blocking_s and nonblocking_s are the rows' total_s, blocking_ratio and nonblocking_ratio\n  \
         their ratio, echoed the two rows' echoed added up."
    );

    // Who was done when: 100 ms apart for the blocking server, all together otherwise.
    println!("  when each client was done (ms after the client process was ready):");
    println!("    client   blocking  non-blocking");
    let rows: Vec<usize> = if clients <= 12 {
        (0..clients).collect()
    } else {
        let mut r = vec![0, 1, 2, clients / 4, clients / 2, 3 * clients / 4];
        r.extend([clients - 2, clients - 1]);
        r.dedup();
        r
    };
    let at = |run: Option<&ServerRun>, i: usize| {
        run.and_then(|r| r.served_at.get(i))
            .map_or("-".to_string(), |t| format!("{:.1}", t.as_secs_f64() * 1e3))
    };
    let mut previous = None;
    for i in rows {
        if previous.is_some_and(|p| i > p + 1) {
            println!("    {:>6}", "...");
        }
        previous = Some(i);
        let (b, n) = (at(blocking, i), at(nonblocking, i));
        println!("    {:>6}  {b:>9}  {n:>12}", i + 1);
    }

    if let Some(b) = blocking {
        println!(
            "  blocking: the thread slept in read() through each client's think time in turn: \
             {:.3} s for {clients} x {delay_ms} ms",
            b.total.as_secs_f64()
        );
    }
    if let Some(n) = nonblocking {
        println!(
            "  non-blocking: the thread slept in {},\n  \
             watching every socket at once, and woke {} times (a wake-up: the call returned with some sockets ready, each then read or\n  \
             written without waiting); up to {} client sockets were open at once.\n  \
             last_greeted_ms {:.1}: the last client got its \"ready\" {:.1} ms after the start (the time to \
             connect and accept them all)",
            setup.poller_call(),
            n.wakeups,
            n.most_open,
            n.last_greeted.as_secs_f64() * 1e3,
            n.last_greeted.as_secs_f64() * 1e3,
        );
    }
    if let (Some(b), Some(n)) = (blocking, nonblocking) {
        println!(
            "  speedup {:.2} = blocking_s / nonblocking_s: the non-blocking server finished that many times\n  \
             sooner, on the same one thread",
            b.total.as_secs_f64() / n.total.as_secs_f64()
        );
    }
    busy_machine_note();
    println!(
        "\nideal_s {:.3}: the time the deliberate waits alone take:\n  part one's read timeout ({} ms){}",
        summary.ideal_s(),
        setup.read_timeout.as_millis(),
        [
            blocking.map(|_| format!(
                " + the blocking server's waits_s ({:.3} s)",
                clients as f64 * d
            )),
            nonblocking.map(|_| format!(" + the non-blocking server's waits_s ({d:.3} s)")),
        ]
        .into_iter()
        .flatten()
        .collect::<String>()
    );
}

/// One line when the machine was busier than its cores (the 1-minute load average, from
/// /proc/loadavg; nothing where there is none): connecting and greeting clients is CPU work,
/// so a busy machine stretches total_s and ratio beyond the waits, and this says why.
fn busy_machine_note() {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next()?.parse::<f64>().ok());
    if let Some(load) = load.filter(|&l| l > cores as f64) {
        println!(
            "  note: the machine was busy (load average {load:.1} on {cores} core(s)): the clients' connects\n  \
             and echoes are CPU work, so total_s and ratio grew with it, not the waits"
        );
    }
}

/// The last line of a demo run: every figure measured in this run (`na` for a server
/// that did not run).
pub struct Summary {
    pub setup: Setup,
    pub one: PartOne,
    pub blocking: Option<ServerRun>,
    pub nonblocking: Option<ServerRun>,
}

impl Summary {
    /// The demo's settings (from `load`) and what its parts measured.
    pub fn new(
        load: Load,
        read_timeout: Duration,
        one: PartOne,
        blocking: Option<ServerRun>,
        nonblocking: Option<ServerRun>,
    ) -> Summary {
        let setup = Setup {
            clients: load.clients,
            delay: load.delay,
            read_timeout,
            poller: load.poller.name(),
        };
        Summary {
            setup,
            one,
            blocking,
            nonblocking,
        }
    }

    /// The wall time the run would take if only its deliberate waits took time: the
    /// blocking read's timeout, K think times one after another, one think time for all.
    pub fn ideal_s(&self) -> f64 {
        let d = self.setup.delay.as_secs_f64();
        let blocking = self
            .blocking
            .as_ref()
            .map_or(0.0, |_| self.setup.clients as f64 * d);
        let nonblocking = self.nonblocking.as_ref().map_or(0.0, |_| d);
        blocking + nonblocking + self.setup.read_timeout.as_secs_f64()
    }
}

fn or_na(x: Option<f64>, decimals: usize) -> String {
    x.map_or_else(|| "na".to_string(), |v| format!("{v:.decimals$}"))
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.setup;
        let (k, d) = (s.clients, s.delay.as_secs_f64());
        let secs = |r: &Option<ServerRun>| r.as_ref().map(|r| r.total.as_secs_f64());
        let (blocking_s, nonblocking_s) = (secs(&self.blocking), secs(&self.nonblocking));
        let runs = [self.blocking.as_ref(), self.nonblocking.as_ref()];
        let echoed: usize = runs.iter().flatten().map(|r| r.echoed).sum();
        let nb = self.nonblocking.as_ref();
        write_summary(
            f,
            &[
                ("clients", k.to_string()),
                ("delay_ms", s.delay.as_millis().to_string()),
                ("read_timeout_ms", s.read_timeout.as_millis().to_string()),
                ("poller", s.poller.to_string()),
                (
                    "wouldblock_us",
                    format!("{:.1}", self.one.wouldblock.as_secs_f64() * 1e6),
                ),
                (
                    "blocking_wait_ms",
                    format!("{:.1}", self.one.blocking_wait.as_secs_f64() * 1e3),
                ),
                ("blocking_s", or_na(blocking_s, 3)),
                ("nonblocking_s", or_na(nonblocking_s, 3)),
                (
                    "blocking_ratio",
                    or_na(blocking_s.map(|b| b / (k as f64 * d)), 3),
                ),
                ("nonblocking_ratio", or_na(nonblocking_s.map(|n| n / d), 3)),
                (
                    "speedup",
                    or_na(blocking_s.zip(nonblocking_s).map(|(b, n)| b / n), 2),
                ),
                ("echoed", echoed.to_string()),
                (
                    "last_greeted_ms",
                    or_na(nb.map(|r| r.last_greeted.as_secs_f64() * 1e3), 1),
                ),
                ("ideal_s", format!("{:.3}", self.ideal_s())),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(total_ms: u64) -> ServerRun {
        ServerRun {
            total: Duration::from_millis(total_ms),
            served_at: vec![],
            echoed: 10,
            last_greeted: Duration::ZERO,
            wakeups: 0,
            most_open: 1,
            cpu: Duration::ZERO,
            start: std::time::Instant::now(),
            moments: Default::default(),
            client_times: vec![],
        }
    }

    fn summary(blocking: Option<ServerRun>, nonblocking: Option<ServerRun>) -> Summary {
        Summary {
            setup: Setup {
                clients: 10,
                delay: Duration::from_millis(100),
                read_timeout: Duration::from_millis(200),
                poller: "epoll",
            },
            one: PartOne {
                wouldblock: Duration::from_micros(2),
                blocking_wait: Duration::from_millis(200),
                ready_after: Duration::from_micros(20),
                started: [std::time::Instant::now(); 3],
            },
            blocking,
            nonblocking,
        }
    }

    #[test]
    fn ideal_counts_only_the_deliberate_waits() {
        assert!((summary(Some(run(1)), Some(run(1))).ideal_s() - 1.3).abs() < 1e-9);
        assert!((summary(Some(run(1)), None).ideal_s() - 1.2).abs() < 1e-9);
        assert!((summary(None, Some(run(1))).ideal_s() - 0.3).abs() < 1e-9);
    }

    #[test]
    fn missing_figures_print_as_na() {
        let line = summary(None, Some(run(100))).to_string();
        assert!(
            line.starts_with("summary: clients=10 delay_ms=100 "),
            "{line}"
        );
        assert!(
            line.contains(" blocking_s=na nonblocking_s=0.100 "),
            "{line}"
        );
        assert!(
            line.contains(" speedup=na echoed=10 last_greeted_ms="),
            "{line}"
        );
        assert!(line.ends_with(" ideal_s=0.300"), "{line}");
    }
}
