//! The watchdog: runs the two locking threads in a child process (this same program, in
//! its `--role`), reads each step they report, and keeps a model of who holds and who
//! waits for which lock. A thread waiting past the deadline is stuck; when every thread
//! is, it looks for the cycle, asks the kernel what the threads are doing (/proc: their
//! state, where they sleep, the CPU they used while stuck), then kills and reaps the child.
//! A thread blocked forever on a std Mutex cannot be joined or cancelled, but a process can
//! be killed: that is why the pair lives in a child.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::trace::{Trace, Track};

/// How the two threads take the two locks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Way {
    /// Thread 1: A then B; thread 2: B then A.
    Opposite,
    /// Both: A then B.
    OneOrder,
    /// Opposite order, but the second lock with try_lock, backing off when it is taken.
    TryLock,
}

impl Way {
    pub fn label(self) -> &'static str {
        match self {
            Way::Opposite => "opposite order",
            Way::OneOrder => "one order (A, then B)",
            Way::TryLock => "try_lock + back-off",
        }
    }
}

/// A step, as the child reports it: `step <thread> <what> <lock or detail>`.
pub fn say(me: u8, what: &str, detail: &str) {
    println!("step {me} {what} {detail}");
}

/// In the child: a thread that waits for stdin to close, which happens when the parent
/// ends however it ends (killed, interrupted), and then ends this process too.
pub fn end_with_the_parent() {
    // Which thread is which, for the watchdog's look at /proc.
    let _ = std::thread::Builder::new()
        .name("watch stdin".into())
        .spawn(|| {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
            std::process::exit(3);
        });
}

/// A thread the watchdog found stuck.
pub struct Stuck {
    pub thread: u8,
    pub holds: Vec<&'static str>,
    pub wants: &'static str,
    pub held_by: Option<u8>,
    /// The kernel's view (Linux /proc): state letter, where it sleeps, CPU ticks while stuck.
    pub state: String,
    pub wchan: String,
    pub cpu_ticks: Option<u64>,
}

/// What one watched run did.
pub struct Watched {
    pub way: Way,
    pub took: Duration,
    pub finished: bool,
    pub rounds_done: u32,
    pub backoffs: u32,
    /// The most time any thread waited for one lock.
    pub longest_wait: Duration,
    pub stuck: Vec<Stuck>,
    pub cycle: bool,
    pub detected_after: Option<Duration>,
    pub exit: String,
    pub children_left: usize,
}

#[derive(Default)]
struct Thread {
    tid: u32,
    holds: Vec<&'static str>,
    wants: Option<(&'static str, Instant)>,
    done: bool,
    phase: Option<(String, &'static str, Instant)>,
    track: Option<Track>,
}

/// Runs the pair in a child, watches it, and ends it: by itself, or killed on a deadlock.
pub fn watch(
    way: Way,
    rounds: u32,
    work: Duration,
    deadline: Duration,
    trace: &Trace,
) -> anyhow::Result<Watched> {
    let me = std::env::current_exe().context("cannot find this program to start the child")?;
    let role = format!("{way:?}")
        .replace("OneOrder", "one-order")
        .replace("TryLock", "try-lock");
    let start = Instant::now();
    let mut child = Command::new(me)
        .args([
            "--role",
            &role.to_lowercase(),
            "--rounds",
            &rounds.to_string(),
        ])
        .args(["--work-ms", &work.as_millis().to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start the child process; raise the process limit (ulimit -u)")?;
    let pid = child.id();
    let stdout = child.stdout.take().context("the child has no stdout")?;
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::Builder::new()
        .name("reader".into())
        .spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send((Instant::now(), line));
            }
        })
        .context("cannot start a thread; raise the thread limit (ulimit -u)")?;
    let group = trace.group(way.label());
    let dog = trace.track(group, "watchdog");
    let mut threads: BTreeMap<u8, Thread> = BTreeMap::new();
    let tracks = [1u8, 2].map(|n| trace.track(group, &format!("thread {n}")));
    let (mut rounds_done, mut backoffs, mut longest_wait) = (0, 0, Duration::ZERO);
    let mut ticks_when_all_waited: Option<BTreeMap<u8, Option<u64>>> = None;
    let mut result = None;
    loop {
        match rx.recv_timeout(Duration::from_millis(5)) {
            Ok((at, line)) => {
                let mut words = line.split_whitespace().skip(1);
                let (Some(n), Some(what)) = (words.next(), words.next()) else {
                    continue;
                };
                let Ok(n) = n.parse::<u8>() else { continue };
                let lock = lock_name(words.next().unwrap_or(""));
                let t = threads.entry(n).or_default();
                if t.track.is_none() {
                    t.track = tracks.get(usize::from(n).wrapping_sub(1)).copied();
                    t.tid = tid_of(pid, n).unwrap_or(0);
                }
                match what {
                    "wants" => {
                        let phase = match t.holds.first() {
                            Some(h) => format!("holds {h}, waits for {lock}"),
                            None => format!("waits for {lock}"),
                        };
                        begin(trace, t, phase, "waits for a lock", at);
                        t.wants = Some((lock, at));
                    }
                    "took" => {
                        if let Some((_, since)) = t.wants.take() {
                            longest_wait = longest_wait.max(at - since);
                        }
                        t.holds.push(lock);
                        begin(
                            trace,
                            t,
                            format!("holds {}", t.holds.join(" and ")),
                            "holds a lock",
                            at,
                        );
                    }
                    "released" => {
                        t.holds.clear();
                        rounds_done += 1;
                        end_phase(trace, t, at);
                    }
                    "backoff" => {
                        t.holds.clear();
                        backoffs += 1;
                        begin(trace, t, "let go, backs off".into(), "backs off", at);
                    }
                    "done" => {
                        t.done = true;
                        end_phase(trace, t, at);
                    }
                    _ => {}
                }
                if threads.len() == 2 && threads.values().all(|t| t.wants.is_some()) {
                    let ticks = threads
                        .iter()
                        .map(|(n, t)| (*n, cpu_ticks(pid, t.tid)))
                        .collect();
                    ticks_when_all_waited = Some(ticks);
                } else {
                    ticks_when_all_waited = None;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        let now = Instant::now();
        let all_stuck = threads.len() == 2
            && threads
                .values()
                .all(|t| t.wants.is_some_and(|(_, since)| now - since >= deadline));
        if all_stuck {
            let before = ticks_when_all_waited.take().unwrap_or_default();
            let stuck = who_holds_what(&threads, pid, &before);
            for (_, since) in threads.values().filter_map(|t| t.wants) {
                longest_wait = longest_wait.max(now - since);
            }
            trace.instant(
                dog,
                "deadlock seen: both stuck past the deadline; kill the child",
                now,
            );
            for t in threads.values_mut() {
                end_phase(trace, t, now);
            }
            let _ = child.kill(); // SIGKILL: a blocked thread cannot be woken any other way
            result = Some((stuck, now - start));
            break;
        }
    }
    drop(child.stdin.take()); // a child that finished by itself sees its stdin close
    let status = child.wait().context("cannot reap the child process")?;
    let took = start.elapsed();
    let _ = reader.join();
    trace.slice(
        dog,
        "watches",
        &format!("watches pid {pid}"),
        start,
        start + took,
    );
    let finished = status.success() && threads.values().all(|t| t.done);
    let (stuck, detected_after) = match result {
        Some((stuck, at)) => (stuck, Some(at)),
        None => (Vec::new(), None),
    };
    let cycle = stuck.len() == 2
        && stuck
            .iter()
            .all(|s| s.held_by.is_some_and(|h| h != s.thread));
    Ok(Watched {
        way,
        took,
        finished,
        rounds_done,
        backoffs,
        longest_wait,
        stuck,
        cycle,
        detected_after,
        exit: exit_words(status),
        children_left: children_left(),
    })
}

fn lock_name(word: &str) -> &'static str {
    match word {
        "A" => "A",
        "B" => "B",
        _ => "-",
    }
}

fn begin(trace: &Trace, t: &mut Thread, name: String, kind: &'static str, at: Instant) {
    end_phase(trace, t, at);
    t.phase = Some((name, kind, at));
}

fn end_phase(trace: &Trace, t: &mut Thread, at: Instant) {
    if let (Some((name, kind, from)), Some(track)) = (t.phase.take(), t.track) {
        trace.slice(track, kind, &name, from, at);
    }
}

fn who_holds_what(
    threads: &BTreeMap<u8, Thread>,
    pid: u32,
    before: &BTreeMap<u8, Option<u64>>,
) -> Vec<Stuck> {
    let mut stuck = Vec::new();
    for (n, t) in threads {
        let wants = t.wants.map_or("-", |(l, _)| l);
        let held_by = threads
            .iter()
            .find(|(_, o)| o.holds.contains(&wants))
            .map(|(m, _)| *m);
        let (state, wchan) = kernel_view(pid, t.tid);
        let ticks = match (before.get(n).copied().flatten(), cpu_ticks(pid, t.tid)) {
            (Some(a), Some(b)) => Some(b.saturating_sub(a)),
            _ => None,
        };
        stuck.push(Stuck {
            thread: *n,
            holds: t.holds.clone(),
            wants,
            held_by,
            state,
            wchan,
            cpu_ticks: ticks,
        });
    }
    stuck
}

fn exit_words(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(9)) => "killed (SIGKILL), reaped".into(),
        (None, Some(s)) => format!("signal {s}"),
        _ => "unknown".into(),
    }
}

/// The fields after the command name of /proc/PID/task/TID/stat.
fn stat_fields(pid: u32, tid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(String::from).collect())
}

/// The thread of the child named "thread N" (its comm), by its id.
fn tid_of(pid: u32, n: u8) -> Option<u32> {
    let dir = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .find(|tid| {
            std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/comm"))
                .is_ok_and(|c| c.trim() == format!("thread {n}"))
        })
}

/// utime + stime, in clock ticks (fields 14 and 15 of stat; 12 and 13 after the name).
fn cpu_ticks(pid: u32, tid: u32) -> Option<u64> {
    let f = stat_fields(pid, tid)?;
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// The thread's state letter and the kernel function it sleeps in ("-" where unknown).
fn kernel_view(pid: u32, tid: u32) -> (String, String) {
    let state = stat_fields(pid, tid)
        .and_then(|f| f.first().cloned())
        .unwrap_or("-".into());
    let wchan = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/wchan"))
        .ok()
        .filter(|w| !w.trim().is_empty() && w.trim() != "0")
        .unwrap_or("-".into());
    (state, wchan.trim().to_string())
}

/// This process's children still running (zombies aside), from /proc; 0 where there is none.
pub fn children_left() -> usize {
    let me = std::process::id().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let f: Vec<&str> = stat
                .rsplit_once(')')
                .map_or("", |(_, r)| r)
                .split_whitespace()
                .collect();
            f.first() != Some(&"Z") && f.get(1) == Some(&me.as_str())
        })
        .count()
}

/// A random pause between zero and `up_to` (std's hasher keys are random per process).
pub fn jitter(up_to: Duration) -> Duration {
    use std::hash::BuildHasher;
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let n = std::hash::RandomState::new().hash_one(CALLS.fetch_add(1, Ordering::Relaxed));
    up_to.mul_f64((n % 10_000) as f64 / 10_000.0)
}
