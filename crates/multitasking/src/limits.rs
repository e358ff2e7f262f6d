//! Checking ahead: does this process's room, as its limits set it, hold the threads a flag
//! asks for? If surely not, the run stops before it starts any, with one line that names
//! the flag and the limit, instead of running out half way.

use anyhow::bail;
use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit};

/// The stack each started thread gets: std's default (2 MiB), set on the Builder so that
/// the check below knows it whatever `RUST_MIN_STACK` says. The kernel adds a guard page.
pub const STACK_BYTES: usize = 2 << 20;
const GUARD_BYTES: u64 = 4096;
const MIB: u64 = 1 << 20;

/// Fails, naming `flag`, when `threads` more threads cannot fit under the limits: the
/// processes and threads this user may run (`ulimit -u`; root is exempt), and the address
/// space (`ulimit -v`), where every thread reserves its stack. A run that passes may still
/// find the room taken by other things (glibc's malloc reserves 64 MiB for each arena it
/// adds for busy threads, up to 8 per core); then the start that fails says so in one
/// line, naming the same flag.
pub fn check_room_for_threads(threads: usize, flag: &str) -> anyhow::Result<()> {
    let threads = threads as u64;
    if let Some(most) = most_threads_of_this_user() {
        if threads + 1 > most {
            bail!(
                "{flag} {threads} asks for more threads than this user may run: at most {most} \
                 processes and threads in all (ulimit -u {most}); lower {flag} below {most} or \
                 raise ulimit -u"
            );
        }
    }
    let Ok((limit, _)) = getrlimit(Resource::RLIMIT_AS) else {
        return Ok(());
    };
    if limit == RLIM_INFINITY {
        return Ok(());
    }
    let per_thread = STACK_BYTES as u64 + GUARD_BYTES;
    let room = limit.saturating_sub(address_space_in_use());
    // With glibc, threads that allocate at the same moment get malloc arenas of their own,
    // 64 MiB of address space each, up to 8 per processor: count them all, or whether the
    // run fits would depend on how the threads happened to meet.
    let arenas = if cfg!(all(target_os = "linux", target_env = "gnu")) {
        threads.min(arena_max())
    } else {
        0
    };
    let needed = threads * per_thread + arenas * ARENA_BYTES;
    if needed > room {
        bail!(
            "{flag} {threads} needs about {} MiB of address space for the threads' stacks and \
             glibc's malloc arenas, and the memory limit leaves {} MiB (ulimit -v {}); lower \
             {flag}, raise ulimit -v, or set MALLOC_ARENA_MAX=1",
            needed / MIB,
            room / MIB,
            limit / 1024
        );
    }
    Ok(())
}

/// The address space glibc reserves for each malloc arena.
const ARENA_BYTES: u64 = 64 * MIB;

/// glibc's limit on malloc arenas: MALLOC_ARENA_MAX, or 8 per processor online.
fn arena_max() -> u64 {
    let set = std::env::var("MALLOC_ARENA_MAX").ok();
    if let Some(max) = set.and_then(|v| v.parse::<u64>().ok()).filter(|&m| m > 0) {
        return max;
    }
    let online = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    8 * online.max(1)
}

/// What to tell the user when a thread could not start after all: the limits that are set.
pub fn limits_to_raise() -> String {
    let mut set = Vec::new();
    if let Some(most) = most_threads_of_this_user() {
        set.push(format!("the thread limit (ulimit -u {most})"));
    }
    if let Ok((limit, _)) = getrlimit(Resource::RLIMIT_AS) {
        if limit != RLIM_INFINITY {
            set.push(format!("the memory limit (ulimit -v {})", limit / 1024));
        }
    }
    if set.is_empty() {
        "the process's limits (ulimit -a)".to_string()
    } else {
        set.join(" or ")
    }
}

/// RLIMIT_NPROC: every thread counts as a process of the user who runs it. The kernel does
/// not hold root to it.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn most_threads_of_this_user() -> Option<u64> {
    let (most, _) = getrlimit(Resource::RLIMIT_NPROC).ok()?;
    (most != RLIM_INFINITY && !nix::unistd::getuid().is_root()).then_some(most)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn most_threads_of_this_user() -> Option<u64> {
    None
}

/// The address space this process has mapped already (Linux: VmSize; elsewhere 0).
fn address_space_in_use() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmSize:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    kib.unwrap_or(0) * 1024
}
