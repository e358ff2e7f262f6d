//! The check made before the first fork: do the children fit under the limit on processes?
//!
//! RLIMIT_NPROC (`ulimit -u`) caps the processes and threads one user may run at once, all
//! of that user's programs together. The sum forks every child before it reads any, so a
//! `--children` above what is left fails halfway, after the first parts of the demo ran.
//! Checked ahead, it fails at once, with one line that names the flag and the limit.

use anyhow::{Context, bail};
use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit};
use nix::unistd::{Uid, getuid};

/// Fails, saying what to change, when `children` more processes would not fit under the
/// soft limit on processes, with the ones this user already runs. The kernel does not hold
/// root to the limit, so neither does the check.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn check_room_for(children: u32) -> anyhow::Result<()> {
    let (limit, _) = getrlimit(Resource::RLIMIT_NPROC)
        .context("cannot read the limit on processes (RLIMIT_NPROC)")?;
    if limit == RLIM_INFINITY || getuid().is_root() {
        return Ok(());
    }
    let running = tasks_of(getuid());
    let room = limit.saturating_sub(running);
    if u64::from(children) > room {
        bail!(
            "--children {children} needs {children} more processes, and this user may start \
             only {room} more: the limit on processes (RLIMIT_NPROC, ulimit -u) is {limit}, \
             with {running} running already; use --children {} at most, or raise ulimit -u",
            room.max(1)
        );
    }
    Ok(())
}

/// nix names the process limit on Linux only: elsewhere the first fork that does not fit
/// fails, with one error line of its own.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn check_room_for(_children: u32) -> anyhow::Result<()> {
    Ok(())
}

/// The processes and threads that `user` runs now, as the limit counts them (Linux: each
/// process's `Threads:` in /proc, for those whose real user id is `user`). Elsewhere 0: the
/// check then only compares the children with the limit itself.
fn tasks_of(user: Uid) -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let real_uid = |status: &str| -> Option<u32> {
        let line = status.lines().find_map(|l| l.strip_prefix("Uid:"))?;
        line.split_whitespace().next()?.parse().ok()
    };
    let threads = |status: &str| -> Option<u64> {
        let line = status.lines().find_map(|l| l.strip_prefix("Threads:"))?;
        line.trim().parse().ok()
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("status")).ok())
        .filter(|status| real_uid(status) == Some(user.as_raw()))
        .map(|status| threads(&status).unwrap_or(1))
        .sum()
}
