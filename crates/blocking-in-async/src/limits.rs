//! What a run needs from the process's limits, checked before the first row: the
//! spawn_blocking row starts one OS thread per task, beside rayon's pool, and each thread
//! maps a stack and, with glibc, a malloc arena. A run that does not fit stops here with
//! one line naming the flag to lower, instead of aborting in the middle of a row
//! ("memory allocation of 41 bytes failed") when the address space runs out.

use anyhow::{Context, bail};
use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit};

const MIB: u64 = 1 << 20;
/// The stack of each thread the demo starts: tokio's blocking pool and rayon both use
/// 2 MiB, Rust's default; one page more for its guard.
const STACK: u64 = 2 * MIB + 4096;
/// What glibc reserves for each malloc arena (64 MiB on 64-bit Linux).
const ARENA: u64 = 64 * MIB;
/// Address space the run needs besides the threads: the heap's growth and the runtimes.
const HEADROOM: u64 = 64 * MIB;

/// The most threads the run has at once: rayon's `workers`, alive for the whole run, and
/// one per task in the spawn_blocking row (at least the `workers` of the multi-thread
/// rows, since `tasks >= workers`).
pub fn threads_at_once(tasks: u32, workers: u32) -> u64 {
    u64::from(workers) + u64::from(tasks.max(workers))
}

/// Checks that the run's threads fit in the process limit (`ulimit -u`) and in its address
/// space (`ulimit -v`). With glibc each new thread also gets a malloc arena that reserves
/// 64 MiB, up to 8 arenas per processor (MALLOC_ARENA_MAX sets that): 16 threads map about
/// 1 GiB. Past the limit, which thread fails first is a matter of timing, and a failed
/// allocation aborts the process; so the check counts every arena the threads may make.
pub fn check(tasks: u32, workers: u32) -> anyhow::Result<()> {
    let threads = threads_at_once(tasks, workers);
    // nix names the process limit on Linux only; elsewhere only the address space is checked.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Ok((soft, _)) = getrlimit(Resource::RLIMIT_NPROC) {
        if soft != RLIM_INFINITY && threads + 1 > soft {
            bail!(
                "the run starts {threads} threads (--tasks {tasks} for spawn_blocking, \
                 --workers {workers} for rayon), but this user may run only {soft} processes \
                 and threads (ulimit -u); lower --tasks or raise ulimit -u"
            );
        }
    }
    let (limit, _) = getrlimit(Resource::RLIMIT_AS).context("cannot read ulimit -v")?;
    if limit == RLIM_INFINITY {
        return Ok(());
    }
    let used = mapped_now();
    let needed = address_space_for(threads);
    if used + needed <= limit {
        return Ok(());
    }
    let fits = (workers..tasks)
        .rev()
        .find(|&n| used + address_space_for(threads_at_once(n, workers)) <= limit);
    let lower = match fits {
        Some(n) => format!("lower --tasks to {n}, "),
        None => String::new(),
    };
    let arenas = if arena_max() > 1 {
        ", or set MALLOC_ARENA_MAX=1"
    } else {
        ""
    };
    bail!(
        "--tasks {tasks} and --workers {workers} start {threads} threads at once: about {} MiB \
         of address space with their stacks and glibc's malloc arenas, but ulimit -v allows \
         {} MiB; {lower}raise ulimit -v to {}{arenas}",
        needed / MIB,
        limit / MIB,
        (used + needed).div_ceil(1024),
    )
}

/// What `threads` threads map: their stacks, one malloc arena each up to glibc's maximum,
/// and the headroom the rest of the run needs.
fn address_space_for(threads: u64) -> u64 {
    let arenas = if cfg!(all(target_os = "linux", target_env = "gnu")) {
        threads.min(arena_max())
    } else {
        0
    };
    threads * STACK + arenas * ARENA + HEADROOM
}

/// glibc's limit on malloc arenas: MALLOC_ARENA_MAX, or 8 per online processor (all of
/// them, not only those this process may run on).
fn arena_max() -> u64 {
    let set = std::env::var("MALLOC_ARENA_MAX").ok();
    if let Some(max) = set.and_then(|v| v.parse::<u64>().ok()).filter(|&m| m > 0) {
        return max;
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let online = nix::unistd::sysconf(nix::unistd::SysconfVar::_NPROCESSORS_ONLN)
        .ok()
        .flatten()
        .and_then(|n| u64::try_from(n).ok());
    // Elsewhere there is no glibc and no arena to count: this only has to build.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let online = std::thread::available_parallelism()
        .ok()
        .map(|n| n.get() as u64);
    8 * online.unwrap_or(1).max(1)
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
