//! The harness: the arguments' check, the tables, the trace, the child's progress reader,
//! and the closing summary line.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::error::ErrorKind;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::time::Instant;

use crate::Args;
use crate::output::write_summary;
use crate::system::{self, PipeSize};
use crate::trace::{Group, Trace, Track};

fn conflict(message: String) -> ! {
    clap::Error::raw(ErrorKind::ArgumentConflict, message + "\n").exit()
}

/// Checks what cannot show the idea (exit 2) and the limits ahead (one error line, exit 1);
/// measures the pipe, since the flood must be larger than it.
pub fn check(args: &Args) -> anyhow::Result<PipeSize> {
    let (processes, files) = system::limits();
    let n = u64::from(args.children);
    if processes.is_some_and(|p| p < n + 16) || files.is_some_and(|f| f < 2 * n + 32) {
        anyhow::bail!(
            "--children {n} needs {n} processes and {} open files, over this shell's limits \
             (ulimit -u, ulimit -n): lower --children or raise them",
            2 * n + 32
        );
    }
    let pipe = system::pipe_size()?;
    let holds = pipe.reported.unwrap_or(pipe.filled);
    if args.flood_kib * 1024 <= holds {
        conflict(format!(
            "--flood-kib {} fits in the pipe ({holds} bytes): the child would not block; use more",
            args.flood_kib
        ));
    }
    Ok(pipe)
}

pub fn at_once_header(n: u32, lines: u32, every: Duration) {
    println!(
        "1. {n} children at once, from ONE thread (tokio::process): child i writes {lines} \
         lines, one every i x {} ms;\n   each line printed as it arrives (time since the start):",
        every.as_millis()
    );
}

/// What part 1 measured.
pub struct AtOnce {
    /// Which child each line came from, in the order they arrived.
    pub arrivals: Vec<u32>,
    /// Each child: its number, whether it exited 0, when it ended after the start.
    pub each: Vec<(u32, bool, Duration)>,
    pub total: Duration,
}

impl AtOnce {
    fn switches(&self) -> usize {
        self.arrivals.windows(2).filter(|w| w[0] != w[1]).count()
    }
    fn slowest(&self) -> Duration {
        self.each.iter().map(|e| e.2).max().unwrap_or_default()
    }
    fn sum(&self) -> Duration {
        self.each.iter().map(|e| e.2).sum()
    }
}

pub fn at_once(a: &AtOnce) {
    let mut each = a.each.clone();
    each.sort_by_key(|e| e.0);
    println!("   {:<6} {:<6} {:<7} took", "child", "lines", "ended");
    for (id, ok, took) in each.iter().take(12) {
        let lines = a.arrivals.iter().filter(|c| *c == id).count();
        let ended = if *ok { "exit 0" } else { "failed" };
        println!(
            "   {id:<6} {lines:<6} {ended:<7} {:.2} s",
            took.as_secs_f64()
        );
    }
    if each.len() > 12 {
        println!("   ... and {} more", each.len() - 12);
    }
    println!(
        "   all of them: {:.2} s, about the slowest child ({:.2} s), not the sum of their times \
         ({:.2} s).\n   {} changes of child between one line and the next (one child after \
         another: {}).\n",
        a.total.as_secs_f64(),
        a.slowest().as_secs_f64(),
        a.sum().as_secs_f64(),
        a.switches(),
        a.each.len().saturating_sub(1)
    );
}

pub fn hung_header(limit: Duration) {
    println!(
        "2. a child that never ends, waited for up to {} ms (tokio::time::timeout):",
        limit.as_millis()
    );
}

/// A hung child's end.
pub struct Hung {
    pub timed_out: bool,
    pub status: String,
    /// How long after the kill it was gone from the process table (None: still there).
    pub gone_after: Option<Duration>,
}

pub fn how(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(9)) => "SIGKILL".into(),
        (None, Some(s)) => format!("signal {s}"),
        _ => "unknown".into(),
    }
}

pub fn hung(killed: &Hung, dropped: &Hung) {
    println!(
        "   {:<34} {:<10} {:<16} gone from the process table",
        "way", "timed out", "ended by"
    );
    for (way, h) in [
        ("kill() then wait(): reaped", killed),
        ("dropped, kill_on_drop(true)", dropped),
    ] {
        let gone = h.gone_after.map_or("no: still there".into(), |d| {
            format!("yes, {:.0} ms later", d.as_secs_f64() * 1e3)
        });
        println!(
            "   {way:<34} {:<10} {:<16} {gone}",
            yes(h.timed_out),
            h.status
        );
    }
    println!(
        "   children of this process still running: {} (from /proc; a zombie is one that ended\n   \
         but was never waited for, and `gone` means not even that)\n",
        system::children_left()
    );
}

pub fn pipe_header(pipe: &PipeSize, kib: u64, limit: Duration) {
    let reported = pipe
        .reported
        .map_or("unknown".into(), |n| format!("{n} bytes"));
    println!(
        "3. the full pipe: a child writes {kib} KiB to its stdout. The pipe holds {} bytes \
         (filled until\n   WouldBlock; the kernel says {reported}, fcntl F_GETPIPE_SZ). Then \
         the writer blocks until someone reads.",
        pipe.filled
    );
    println!(
        "   waiting for the exit gives up after {} ms:",
        limit.as_millis()
    );
}

/// A flooding child's run.
#[derive(Default)]
pub struct Piped {
    pub timed_out: bool,
    /// What the child wrote (the mistake: by the timeout) or what the parent read (the fix).
    pub bytes: u64,
    pub state: String,
    pub wchan: String,
    pub took: Duration,
}

pub fn piped(stuck: &Piped, fixed: &Piped) {
    println!(
        "   {:<34} {:<10} {:<8} {:<14} {:<6} sleeps in",
        "way", "timed out", "time", "bytes", "state"
    );
    let rows = [
        ("wait(), then read: stuck", stuck, "written"),
        ("wait_with_output(): reads as well", fixed, "read"),
    ];
    for (way, p, what) in rows {
        println!(
            "   {way:<34} {:<10} {:<8} {:<14} {:<6} {}",
            yes(p.timed_out),
            format!("{:.2} s", p.took.as_secs_f64()),
            format!("{} {what}", p.bytes),
            or_dash(&p.state),
            or_dash(&p.wchan)
        );
    }
    println!(
        "   (bytes written: what the child had written when the wait gave up, as it said on \
         stderr;\n    state S, sleeps in *pipe_write: the child is asleep in write(), waiting \
         for room)\n"
    );
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Reads the flooding child's stderr ("wrote N" after each write) in a task of its own:
/// the most it has said it wrote.
pub fn progress(stderr: tokio::process::ChildStderr) -> Arc<AtomicU64> {
    let written = Arc::new(AtomicU64::new(0));
    let seen = written.clone();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(n) = line.strip_prefix("wrote ").and_then(|n| n.parse().ok()) {
                seen.fetch_max(n, Ordering::Relaxed);
            }
        }
    });
    written
}

/// Waits (up to 10 s) until the flooding child has said it wrote something.
pub async fn started_writing(written: &AtomicU64) {
    let start = Instant::now();
    while written.load(Ordering::Relaxed) == 0 && start.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// The trace: one row per part, a track per child (the first 100), slices for their lives.
pub struct Tr {
    pub trace: Trace,
    hung: Group,
    pipe: Group,
    children: Mutex<HashMap<u32, Track>>,
}

const DRAWN: u32 = 100;

impl Tr {
    pub fn new(on: bool, n: u32) -> Self {
        let trace = if on {
            Trace::new(std::time::Instant::now())
        } else {
            Trace::off()
        };
        let at_once = trace.group(&format!("{n} children at once, one thread"));
        let children =
            (1..=n.min(DRAWN)).map(|id| (id, trace.track(at_once, &format!("child {id}"))));
        let children = Mutex::new(children.collect());
        if n > DRAWN {
            trace.note(&format!(
                "only the first {DRAWN} of the {n} children are drawn"
            ));
        }
        let hung = trace.group("a child that never ends");
        let pipe = trace.group("the full pipe");
        Tr {
            trace,
            hung,
            pipe,
            children,
        }
    }

    pub fn write(&self, path: &std::path::Path) -> anyhow::Result<()> {
        use anyhow::Context;
        self.trace.write(path).with_context(|| {
            format!(
                "cannot write the trace to {}; check that its folder exists",
                path.display()
            )
        })?;
        println!(
            "trace written to {} (open it in ui.perfetto.dev or vizviewer)",
            path.display()
        );
        Ok(())
    }

    fn child(&self, id: u32) -> Option<Track> {
        self.children
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .copied()
    }

    pub fn child_ran(&self, id: u32, from: Instant, to: Instant) {
        if let (true, Some(track)) = (self.trace.is_on(), self.child(id)) {
            self.trace.slice(
                track,
                "runs",
                &format!("child {id} runs"),
                from.into(),
                to.into(),
            );
        }
    }

    pub fn line(&self, id: u32, line: &str) {
        if let (true, Some(track)) = (self.trace.is_on(), self.child(id)) {
            let name = line.rsplit(": ").next().unwrap_or(line);
            self.trace.instant(track, name, std::time::Instant::now());
        }
    }

    pub fn hung(&self, how: &str, from: Instant, to: Instant) {
        if self.trace.is_on() {
            let track = self.trace.track(self.hung, &format!("child, {how}"));
            self.trace
                .slice(track, "hangs", "sleeps forever", from.into(), to.into());
            self.trace
                .instant(track, &format!("timeout: {how}"), to.into());
        }
    }

    pub fn piped(&self, fixed: bool, from: Instant, to: Instant, bytes: u64) {
        if self.trace.is_on() {
            let (parent, child, kind, what) = if fixed {
                (
                    "parent: reads while it waits",
                    format!("writes all {bytes} bytes, exits"),
                    "reads",
                    "reads and waits",
                )
            } else {
                (
                    "parent: waits, then reads",
                    format!("wrote {bytes} bytes, blocked: pipe full"),
                    "waits",
                    "waits for the exit",
                )
            };
            let p = self.trace.track(self.pipe, parent);
            let c = self.trace.track(
                self.pipe,
                if fixed {
                    "child (read)"
                } else {
                    "child (unread)"
                },
            );
            self.trace.slice(p, kind, what, from.into(), to.into());
            let kind = if fixed { "writes" } else { "blocked in write" };
            self.trace.slice(c, kind, &child, from.into(), to.into());
            if !fixed {
                self.trace.instant(p, "timeout: kill, reap", to.into());
            }
        }
    }
}

/// The figures this run measured, printed as the closing `summary:` line.
pub struct Summary {
    pub at_once: AtOnce,
    /// Killed at the timeout, and dropped with kill_on_drop.
    pub hung: [Hung; 2],
    pub pipe: PipeSize,
    /// Waited before reading, and read while waiting.
    pub piped: [Piped; 2],
    pub threads: usize,
    /// The deliberate waits: the slowest child's pauses and three timeouts.
    pub ideal: Duration,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = &self.at_once;
        let ([killed, dropped], [stuck, fixed]) = (&self.hung, &self.piped);
        let secs = |d: Duration| format!("{:.3}", d.as_secs_f64());
        let gone = |h: &Hung| yes(h.gone_after.is_some()).to_string();
        write_summary(
            f,
            &[
                ("children", a.each.len().to_string()),
                ("lines", a.arrivals.len().to_string()),
                ("switches", a.switches().to_string()),
                ("total_s", secs(a.total)),
                ("slowest_s", secs(a.slowest())),
                ("sum_s", secs(a.sum())),
                ("threads", self.threads.to_string()),
                ("hung_timed_out", yes(killed.timed_out).into()),
                ("hung_status", killed.status.clone()),
                ("hung_gone", gone(killed)),
                ("dropped_gone", gone(dropped)),
                ("children_left", system::children_left().to_string()),
                (
                    "pipe_buffer",
                    self.pipe.reported.unwrap_or(self.pipe.filled).to_string(),
                ),
                ("pipe_filled", self.pipe.filled.to_string()),
                ("stuck_timed_out", yes(stuck.timed_out).into()),
                ("stuck_written", stuck.bytes.to_string()),
                ("fixed_timed_out", yes(fixed.timed_out).into()),
                ("fixed_bytes", fixed.bytes.to_string()),
                ("ideal_s", secs(self.ideal)),
            ],
        )
    }
}
