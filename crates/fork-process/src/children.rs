//! The harness around child processes: forking one that dies with its parent, ending it
//! without ever returning into the parent's code, reading its part of the sum, describing
//! its exit status, and asking the kernel that none is left.

use std::fs::File;
use std::io::{Read, Write};
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use nix::errno::Errno;
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpid, getppid, pipe};

/// Exit status of a child that was told to fail (--fail-child).
pub const SIMULATED_FAILURE: i32 = 3;
/// Exit status of a child whose result could not be sent.
pub const SEND_FAILED: i32 = 2;
/// Exit status of a child that panicked.
const CHILD_PANICKED: i32 = 101;
/// Exit status of a child whose parent was already gone when it started.
const ORPHANED: i32 = 4;
/// Exit status of a child whose output could not be written (the parent says why).
pub const OUTPUT_FAILED: i32 = 5;

const FORK_HINT: &str =
    "cannot fork a child; the system may be out of processes or memory (see ulimit -u)";
const FD_HINT: &str =
    "cannot create a pipe; the process may be out of file descriptors (see ulimit -n)";

/// Forks a child that runs `work` with the write end of a new pipe and exits with its
/// status; returns the child's pid and the read end to the parent. The parent closes its
/// copy of the write end at once, so the pipe reports end-of-file as soon as the child is
/// gone, even if it died before writing. The child dies with `parent`.
pub fn fork_with_pipe(
    parent: Pid,
    work: impl FnOnce(File) -> Result<(), i32>,
) -> anyhow::Result<(Pid, File)> {
    let (from_child, to_parent) = pipe().context(FD_HINT)?;
    flush_stdout();
    // SAFETY: the process is single-threaded here: it starts no runtime, and every
    // thread it started earlier has been joined. So the child's copy holds no lock that
    // another thread owned. The child runs `work` and ends in exit_child; it never
    // returns into the parent's code.
    match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            die_with_parent(parent);
            leave_output_errors_to_the_parent();
            drop(from_child);
            exit_child(|| work(File::from(to_parent)))
        }
        Ok(ForkResult::Parent { child }) => Ok((child, File::from(from_child))),
        Err(e) => Err(anyhow!(e).context(FORK_HINT)),
    }
}

/// Forks one child per range, numbered from 1, each running `work` with its number, its
/// range and the write end of its own pipe. A failed fork ends the loop: its error comes
/// back beside the children forked so far, which the caller still reads and reaps.
pub fn fork_each(
    ranges: Vec<Range<u64>>,
    work: impl Fn(u32, Range<u64>, File) -> Result<(), i32>,
) -> (Vec<Child>, Option<anyhow::Error>) {
    let parent = getpid();
    let mut running = Vec::new();
    for (number, range) in (1..).zip(ranges) {
        let range_in_child = range.clone();
        let forked = Instant::now();
        match fork_with_pipe(parent, |to_parent| work(number, range_in_child, to_parent)) {
            Ok((pid, results)) => running.push(Child {
                number,
                pid,
                range,
                results,
                forked,
                reaped: None,
                summed_ns: None,
            }),
            Err(e) => return (running, Some(e)),
        }
    }
    (running, None)
}

/// Reads what `child` sends until the pipe reports end-of-file, then reaps it whatever
/// the read gave, so it never lingers as a zombie.
pub fn read_all_then_reap(
    child: Pid,
    mut from_child: File,
) -> anyhow::Result<(String, WaitStatus)> {
    let mut message = String::new();
    let received = from_child.read_to_string(&mut message);
    let status = reap(child)?;
    received.with_context(|| format!("child {child} sent nothing back"))?;
    Ok((message, status))
}

/// Forks a child that exits at once: what a process costs to start and finish, nothing
/// more (it lives too briefly to need dying with its parent).
pub fn fork_and_exit_at_once() -> anyhow::Result<Pid> {
    flush_stdout();
    // SAFETY: as in fork_child: single-threaded here; the child only exits.
    match unsafe { fork() } {
        Ok(ForkResult::Child) => std::process::exit(0),
        Ok(ForkResult::Parent { child }) => Ok(child),
        Err(e) => Err(anyhow!(e).context(FORK_HINT)),
    }
}

/// Makes this child die when its parent does, killed by any signal (`kill <pid>` sends
/// SIGTERM to the parent alone; the children do not get it).
///
/// Linux: PR_SET_PDEATHSIG asks the kernel to send us SIGKILL when the parent exits. The
/// parent may have died between fork and prctl, and then no signal comes: so we check
/// that our parent is still the one that forked us, and leave at once if not.
#[cfg(target_os = "linux")]
fn die_with_parent(parent: Pid) {
    use nix::sys::{prctl, signal::Signal};
    if prctl::set_pdeathsig(Signal::SIGKILL).is_err() || getppid() != parent {
        std::process::exit(ORPHANED);
    }
}

/// Elsewhere (macOS) there is no parent-death signal. A watcher thread asks every 50 ms
/// whether the parent is still ours (an orphan is adopted by launchd, pid 1) and ends the
/// child if not. Starting a thread in the child is sound: it is single-threaded after fork.
#[cfg(not(target_os = "linux"))]
fn die_with_parent(parent: Pid) {
    if getppid() != parent {
        std::process::exit(ORPHANED);
    }
    let _ = std::thread::Builder::new().spawn(move || {
        loop {
            std::thread::sleep(std::time::Duration::from_millis(50));
            if getppid() != parent {
                std::process::exit(ORPHANED);
            }
        }
    });
}

/// In a child, output that cannot be written (a full disk, a closed pipe) is the parent's
/// to report: it writes to the same stdout and meets the same error. So the child ends at
/// once, quietly, with OUTPUT_FAILED: one error line in all, from the parent. Any other
/// panic still goes to the hook the child inherited.
fn leave_output_errors_to_the_parent() {
    let inherited = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.to_string().contains("failed printing to stdout") {
            std::process::exit(OUTPUT_FAILED);
        }
        inherited(info);
    }));
}

/// Runs the child's work and ends the child right there, with the work's exit status.
///
/// The child must never return into main: it would run the parent's remaining code a
/// second time. A panic is caught for the same reason. std::process::exit runs no
/// destructors of the parent's values; the stdout it flushes holds only the child's lines.
fn exit_child(work: impl FnOnce() -> Result<(), i32>) -> ! {
    let code = match catch_unwind(AssertUnwindSafe(work)) {
        Ok(Ok(())) => 0,
        Ok(Err(code)) => code,
        Err(_) => CHILD_PANICKED,
    };
    flush_stdout();
    std::process::exit(code)
}

/// Whatever sits in our stdout buffer would be copied into the child and printed twice.
fn flush_stdout() {
    let _ = std::io::stdout().flush();
}

/// One forked worker of the sum, as the parent sees it.
pub struct Child {
    pub number: u32,
    pub pid: Pid,
    pub range: Range<u64>,
    results: File,
    /// When the parent forked it, and when it reaped it (the parent's clock).
    pub forked: Instant,
    pub reaped: Option<Instant>,
    /// When it summed its range, in nanoseconds from the trace's zero, as it sent them.
    pub summed_ns: Option<(u64, u64)>,
}

/// What a child of the sum sends: its part (16 bytes), then when it began and ended the
/// sum (8 + 8 bytes, nanoseconds from `zero`: Instant is the system's monotonic clock, the
/// same in the parent and in the forked child), little-endian.
pub fn message(part: u128, zero: Instant, began: Instant, ended: Instant) -> [u8; 32] {
    let ns = |at: Instant| at.saturating_duration_since(zero).as_nanos() as u64;
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(&part.to_le_bytes());
    bytes[16..24].copy_from_slice(&ns(began).to_le_bytes());
    bytes[24..].copy_from_slice(&ns(ended).to_le_bytes());
    bytes
}

impl Child {
    /// Reads the child's 32-byte message (see `message`); end-of-file first means it died
    /// without sending.
    pub fn read_part(&mut self) -> anyhow::Result<u128> {
        let mut bytes = [0u8; 32];
        match self.results.read_exact(&mut bytes) {
            Ok(()) => {
                let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
                self.summed_ns = Some((word(16), word(24)));
                Ok(u128::from_le_bytes(bytes[..16].try_into().unwrap()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                bail!("(nothing: pipe closed)")
            }
            Err(e) => Err(anyhow!(e).context("(read failed)")),
        }
    }
}

/// A wait status in words, as a shell would describe it.
pub fn describe(status: WaitStatus) -> String {
    match status {
        WaitStatus::Exited(_, code) => format!("exited with status {code}"),
        WaitStatus::Signaled(_, signal, _) => format!("was killed by {signal:?}"),
        other => format!("changed state: {other:?}"),
    }
}

/// Waits for `child` to end and reaps it: it never lingers as a zombie.
pub fn reap(child: Pid) -> anyhow::Result<WaitStatus> {
    waitpid(child, None).with_context(|| format!("cannot reap child {child} (waitpid)"))
}

/// After every child was reaped: the fork loop's error if it stopped early, else one
/// error naming every child that failed, else Ok.
pub fn none_failed(fork_error: Option<anyhow::Error>, failures: Vec<String>) -> anyhow::Result<()> {
    if let Some(e) = fork_error {
        return Err(e);
    }
    if !failures.is_empty() {
        bail!(
            "{}; its part of the sum is missing, every child was reaped; \
             rerun without --fail-child",
            failures.join(", ")
        );
    }
    Ok(())
}

/// Asks the kernel whether any child is left to reap: ECHILD means none.
pub fn children_left() -> anyhow::Result<usize> {
    match waitpid(None::<Pid>, Some(WaitPidFlag::WNOHANG)) {
        Err(Errno::ECHILD) => {
            println!(
                "children left: none (waitpid(-1, WNOHANG), \"any child, and do not wait\", says ECHILD: this process has no child at all, running or waiting to be reaped)"
            );
            Ok(0)
        }
        Ok(status) => {
            bail!("a child was still unreaped at the end ({status:?}); this is a bug in the demo")
        }
        Err(e) => Err(anyhow!(e).context("cannot ask whether a child is left (waitpid -1)")),
    }
}
