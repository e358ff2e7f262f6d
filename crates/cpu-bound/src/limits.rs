//! What a run needs from the process's limits, checked before its first way starts: the
//! threads and rayon rows start `--workers` threads (the factorial one more, its one-thread
//! pool beside the workers' pool), and each thread maps a stack and, with glibc, a malloc
//! arena. A run that does not fit stops here with one line naming the flag to lower,
//! instead of aborting in the middle of a row ("memory allocation of 41 bytes failed": a
//! thread already running met the end of the address space before the spawn's error came
//! back). The forked children each have an address space of their own, a copy of this one.

use anyhow::{Context, bail};
use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit};

/// The stack of every worker thread, set on each thread and pool (2 MiB, Rust's default,
/// whatever RUST_MIN_STACK says), so that the check below counts what the threads map.
pub const STACK: usize = 2 << 20;

const MIB: u64 = 1 << 20;
/// What glibc reserves for each malloc arena (64 MiB on 64-bit Linux).
const ARENA: u64 = 64 * MIB;
/// Address space the run needs besides the threads: the heap's growth (the factorial's
/// bignums), and the second half of the 128 MiB glibc maps for a moment to align an arena.
const HEADROOM: u64 = 64 * MIB;

/// The most threads the run has at once: `workers`, and with the factorial one more (its
/// one-thread pool lives beside the pool of `workers`).
pub fn threads_at_once(workers: usize, factorial: bool) -> u64 {
    workers as u64 + u64::from(factorial)
}

/// Checks that the run's threads fit in the process limit (`ulimit -u`: the forked row
/// starts `workers` processes) and in the address space (`ulimit -v`). With glibc each new
/// thread also gets a malloc arena that reserves 64 MiB, up to 8 arenas per processor
/// (MALLOC_ARENA_MAX sets that): 16 threads map about 1 GiB. Past the limit, which thread
/// fails first is a matter of timing, and a failed allocation aborts the process; so the
/// check counts every arena the threads may make.
pub fn check(workers: usize, factorial: bool) -> anyhow::Result<()> {
    let threads = threads_at_once(workers, factorial);
    // nix names the process limit on Linux only; elsewhere only the address space is checked.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Ok((soft, _)) = getrlimit(Resource::RLIMIT_NPROC) {
        if soft != RLIM_INFINITY && threads + 1 > soft {
            bail!(
                "--workers {workers} starts {threads} threads or processes, but this user may \
                 run only {soft} processes and threads (ulimit -u); lower --workers or raise \
                 ulimit -u"
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
    let fits = (1..workers)
        .rev()
        .find(|&n| used + address_space_for(threads_at_once(n, factorial)) <= limit);
    let lower = match fits {
        Some(n) => format!("lower --workers to {n}, "),
        None => String::new(),
    };
    let pool = if factorial {
        " (one more for the factorial's one-thread pool)"
    } else {
        ""
    };
    let arenas = if arena_max() > 1 {
        ", or set MALLOC_ARENA_MAX=1"
    } else {
        ""
    };
    bail!(
        "--workers {workers} starts {threads} threads at once{pool}: about {} MiB of address \
         space with their stacks and glibc's malloc arenas, but ulimit -v allows {} MiB; \
         {lower}raise ulimit -v to {}{arenas}",
        needed / MIB,
        limit / MIB,
        (used + needed).div_ceil(1024),
    )
}

/// What `threads` threads map: their stacks (and guard pages), one malloc arena each up
/// to glibc's maximum, and the headroom the rest of the run needs.
fn address_space_for(threads: u64) -> u64 {
    let arenas = if cfg!(all(target_os = "linux", target_env = "gnu")) {
        threads.min(arena_max())
    } else {
        0
    };
    threads * (STACK as u64 + 4096) + arenas * ARENA + HEADROOM
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_thread_costs_its_stack_and_at_most_arena_max_arenas() {
        let one = address_space_for(1) - address_space_for(0);
        let arena = if cfg!(all(target_os = "linux", target_env = "gnu")) {
            ARENA
        } else {
            0
        };
        assert_eq!(one, STACK as u64 + 4096 + arena);
        let past = arena_max() + 10;
        let more = address_space_for(past + 1) - address_space_for(past);
        assert_eq!(more, STACK as u64 + 4096, "no arena past the maximum");
    }
}
