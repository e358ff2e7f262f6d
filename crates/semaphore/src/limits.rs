//! What the run asks of the process's limits, checked before the first request. Without a
//! limit every request is in flight at once: each holds two sockets (the client's and the
//! server's end), and many systems allow a process only 1,024 open files by default; and
//! each holds its task, its connection and their buffers, about 45 KiB of address space
//! (measured: VmSize at 2,000 and 8,000 requests in flight), which `ulimit -v` may not
//! allow. A run that does not fit stops here with one line naming --requests, instead of
//! aborting halfway ("memory allocation of 8192 bytes failed").

use anyhow::{Context, bail};
use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit, setrlimit};

const MIB: u64 = 1 << 20;
/// Address space per request in flight, with a margin over the 36 to 48 KiB measured.
const PER_REQUEST: u64 = 64 << 10;
/// And for the rest: the server thread's malloc arena (64 MiB with glibc), the runtimes.
const FIXED: u64 = 128 * MIB;

/// Raises the soft open-file limit to `needed` if it is lower, within the hard limit.
pub fn allow_open_files(needed: u64) -> anyhow::Result<()> {
    let (soft, hard) =
        getrlimit(Resource::RLIMIT_NOFILE).context("cannot read the open-file limit")?;
    if soft >= needed {
        return Ok(());
    }
    if hard < needed {
        bail!(
            "this many requests need {needed} open files, but the hard limit is {hard} \
             (`ulimit -Hn`); ask for fewer with --requests"
        );
    }
    setrlimit(Resource::RLIMIT_NOFILE, needed, hard).with_context(|| {
        format!("cannot raise the open-file limit to {needed}; try `ulimit -n {needed}`")
    })
}

/// Checks that `requests` in flight at once fit in the address space `ulimit -v` allows.
pub fn check_memory(requests: usize) -> anyhow::Result<()> {
    let (limit, _) = getrlimit(Resource::RLIMIT_AS).context("cannot read ulimit -v")?;
    if limit == RLIM_INFINITY {
        return Ok(());
    }
    let used = mapped_now();
    let needed = requests as u64 * PER_REQUEST + FIXED;
    if used + needed <= limit {
        return Ok(());
    }
    let fits = limit.saturating_sub(used + FIXED) / PER_REQUEST;
    let lower = match fits {
        0..=1 => String::new(),
        n => format!("lower --requests to {n}, or "),
    };
    bail!(
        "without a limit all {requests} requests are in flight at once (--requests \
         {requests}): about {} MiB of address space, but ulimit -v allows {} MiB; \
         {lower}raise ulimit -v to {}",
        needed / MIB,
        limit / MIB,
        (used + needed).div_ceil(1024)
    )
}

/// The address space this process maps now (VmSize in /proc/self/status; 0 elsewhere).
fn mapped_now() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmSize:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok());
    kib.unwrap_or(0) * 1024
}
