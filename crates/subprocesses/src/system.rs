//! What the demo asks the operating system: the pipe's size, a process's state and where it
//! sleeps, whether it is gone, this process's children and threads (Linux: /proc).

use std::io::Write;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use nix::fcntl::{FcntlArg, OFlag, fcntl};

/// A pipe's capacity, as the kernel says it (Linux) and as measured by filling one.
pub struct PipeSize {
    pub reported: Option<u64>,
    pub filled: u64,
}

/// Makes a pipe, sets its write end non-blocking, and writes into it until the kernel says
/// WouldBlock: what it took is what a child can write before someone must read.
pub fn pipe_size() -> anyhow::Result<PipeSize> {
    let (reader, mut writer) = std::io::pipe().context("cannot make a pipe; raise ulimit -n")?;
    let flags = fcntl(writer.as_fd(), FcntlArg::F_GETFL).context("cannot read the pipe's flags")?;
    let nonblocking = OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK;
    fcntl(writer.as_fd(), FcntlArg::F_SETFL(nonblocking))
        .context("cannot make the pipe non-blocking")?;
    let mut filled = 0u64;
    for size in [4096usize, 1] {
        let chunk = vec![0u8; size];
        loop {
            match writer.write(&chunk) {
                Ok(n) => filled += n as u64,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e).context("cannot fill the pipe"),
            }
        }
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let reported = fcntl(reader.as_fd(), FcntlArg::F_GETPIPE_SZ)
        .ok()
        .map(|n| n as u64);
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let reported = None;
    drop(reader);
    Ok(PipeSize { reported, filled })
}

/// The fields after the command name of /proc/PID/stat.
fn stat(pid: u32) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = text.rsplit_once(')')?;
    Some(rest.split_whitespace().map(String::from).collect())
}

/// The process's state letter and the kernel function it sleeps in ("-" where unknown).
pub fn kernel_view(pid: u32) -> (String, String) {
    let state = stat(pid)
        .and_then(|f| f.first().cloned())
        .unwrap_or("-".into());
    let wchan = std::fs::read_to_string(format!("/proc/{pid}/wchan")).unwrap_or_default();
    let wchan = wchan.trim();
    (
        state,
        if wchan.is_empty() || wchan == "0" {
            "-".into()
        } else {
            wchan.into()
        },
    )
}

/// Waits (on the runtime, up to 2 s) until process `pid` is gone from the process table,
/// a zombie included: how long that took after the call, or None if it stayed.
pub async fn gone(pid: u32) -> Option<Duration> {
    let start = tokio::time::Instant::now();
    while start.elapsed() < Duration::from_secs(2) {
        if !cfg!(target_os = "linux") || stat(pid).is_none() {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    None
}

/// This process's children still running (zombies aside), from /proc; 0 where there is none.
pub fn children_left() -> usize {
    let me = std::process::id().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| stat(*pid).is_some_and(|f| f[0] != "Z" && f.get(1) == Some(&me)))
        .count()
}

/// The OS threads of this process (Linux: /proc/self/status; 0 elsewhere).
pub fn os_threads() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Threads:")?.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// A task that samples this process's OS threads every 5 ms, keeping the most seen.
pub struct Sampler(Arc<AtomicUsize>, tokio::task::JoinHandle<()>);

pub fn sample_threads() -> Sampler {
    let most = Arc::new(AtomicUsize::new(os_threads()));
    let seen = most.clone();
    let task = tokio::spawn(async move {
        loop {
            seen.fetch_max(os_threads(), Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    Sampler(most, task)
}

impl Sampler {
    pub fn most(self) -> usize {
        self.1.abort();
        self.0.load(Ordering::Relaxed)
    }
}

/// The soft limits on processes and open files, where they are set.
pub fn limits() -> (Option<u64>, Option<u64>) {
    use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit};
    let soft = |r| {
        getrlimit(r)
            .ok()
            .map(|(s, _)| s)
            .filter(|s| *s != RLIM_INFINITY)
    };
    // nix names the process limit on Linux only: elsewhere only open files are checked.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let processes = soft(Resource::RLIMIT_NPROC);
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let processes = None;
    (processes, soft(Resource::RLIMIT_NOFILE))
}
