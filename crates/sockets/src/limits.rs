//! The process's limits and costs: the open-file limit that 10,000 sockets need, and the
//! CPU time a run used.

use std::time::Duration;

use anyhow::{Context, bail};

/// Make sure this process may open a descriptor per client plus a few for stdio, pipes
/// and the poller: raise the soft RLIMIT_NOFILE toward the hard one if it is lower.
/// Returns the old soft limit if it was raised.
pub fn ensure_open_files(clients: usize) -> anyhow::Result<Option<u64>> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let needed = clients as u64 + 64;
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)
        .context("cannot read the open-file limit (RLIMIT_NOFILE)")?;
    if soft >= needed {
        return Ok(None);
    }
    if hard < needed {
        bail!(
            "--clients {clients} needs about {needed} open files per process, but the hard \
             limit RLIMIT_NOFILE is {hard} (see `ulimit -Hn`); raise it (e.g. `ulimit -n \
             {needed}` as root or in /etc/security/limits.conf) or use fewer --clients"
        );
    }
    setrlimit(Resource::RLIMIT_NOFILE, needed, hard).with_context(|| {
        format!(
            "cannot raise the soft open-file limit (RLIMIT_NOFILE) from {soft} to {needed} \
             (hard limit {hard}); run `ulimit -n {needed}` first or use fewer --clients"
        )
    })?;
    Ok(Some(soft))
}

/// The demo's side of `ensure_open_files`: it says so when it raised the limit.
pub fn make_room_for(clients: usize) -> anyhow::Result<()> {
    if let Some(raised) = ensure_open_files(clients)? {
        println!("raised the soft open-file limit (RLIMIT_NOFILE) from {raised}");
    }
    Ok(())
}

/// CPU time (user + system) used so far by this process and by its reaped children.
pub fn cpu_used() -> Duration {
    use nix::sys::resource::{UsageWho, getrusage};
    use nix::sys::time::TimeValLike;
    let micros = |who| {
        getrusage(who).map_or(0, |u| {
            u.user_time().num_microseconds() + u.system_time().num_microseconds()
        })
    };
    let total = micros(UsageWho::RUSAGE_SELF) + micros(UsageWho::RUSAGE_CHILDREN);
    Duration::from_micros(u64::try_from(total).unwrap_or(0))
}
