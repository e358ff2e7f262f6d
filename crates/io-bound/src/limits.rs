//! What a run needs from the process's limits, checked before the first request: a socket
//! per request in flight (two with the embedded server), and, for the thread rows, an OS
//! thread per request with its stack and its malloc arena. A run that does not fit stops
//! here with one line naming the flag to lower, instead of aborting halfway through a row
//! ("memory allocation of 3 bytes failed") when the address space runs out.

use anyhow::{Context, bail};
use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit, setrlimit};

/// The stack of every client thread: the threads and pool rows set it, and it is tokio's
/// default for its blocking pool too.
pub const STACK: usize = 2 << 20;

const MIB: u64 = 1 << 20;
/// Threads of this process besides the client's: main, the server's, the sampler's.
const OTHER_THREADS: usize = 3;
/// Address space a run needs besides the threads: the heap's growth, the runtime, the
/// clients' buffers.
const HEADROOM: u64 = 64 * MIB;

/// The row that starts the most threads: how many, and the flag that sets that number.
pub struct ThreadRow {
    pub name: &'static str,
    pub threads: usize,
    pub flag: &'static str,
}

/// Thousands of sockets need thousands of file descriptors: raise the soft limit to the
/// hard one, then check that the run fits (each request holds one socket, and one more
/// on the embedded server's side).
pub fn make_room_for_sockets(requests: usize, embedded: bool) -> anyhow::Result<()> {
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return Ok(());
    };
    if hard > soft {
        let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
    }
    let limit = getrlimit(Resource::RLIMIT_NOFILE).map_or(soft, |(soft, _)| soft);
    let needed = requests as u64 * if embedded { 2 } else { 1 } + 64;
    if needed > limit {
        bail!(
            "{requests} requests need about {needed} open files, the limit is {limit}; \
             raise `ulimit -n`, lower --requests, or run the server in another process \
             (`io-bound --serve 127.0.0.1:0`) and pass its address with --url"
        );
    }
    Ok(())
}

/// The row that starts the most threads (the first of equals) must fit the limits.
pub fn check_most_threads(rows: impl Iterator<Item = ThreadRow>) -> anyhow::Result<()> {
    let most = rows.reduce(|most, row| {
        if row.threads > most.threads {
            row
        } else {
            most
        }
    });
    most.map_or(Ok(()), |row| check_threads(&row))
}

/// Checks that `row`'s threads fit in the process limit (`ulimit -u`) and in its address
/// space (`ulimit -v`). With glibc each new thread also gets a malloc arena that reserves
/// 64 MiB of address space, up to 8 arenas per processor (MALLOC_ARENA_MAX sets that):
/// 20 threads map about 1 GiB. A row that starts them anyway sees the last few fail, or
/// its allocations, which abort the process.
pub fn check_threads(row: &ThreadRow) -> anyhow::Result<()> {
    let ThreadRow {
        name,
        threads,
        flag,
    } = *row;
    let all = threads + OTHER_THREADS;
    if let Ok((soft, _)) = getrlimit(Resource::RLIMIT_NPROC) {
        if soft != RLIM_INFINITY && all as u64 > soft {
            bail!(
                "the {name} row starts {threads} threads, but this user may run only {soft} \
                 processes and threads (ulimit -u); lower {flag} or raise ulimit -u"
            );
        }
    }
    let (limit, _) = getrlimit(Resource::RLIMIT_AS).context("cannot read ulimit -v")?;
    if limit == RLIM_INFINITY {
        return Ok(());
    }
    let used = mapped_now();
    let needed = address_space_for(all);
    if used + needed <= limit {
        return Ok(());
    }
    let fits = (0..threads)
        .rev()
        .find(|&n| used + address_space_for(n + OTHER_THREADS) <= limit)
        .unwrap_or(0);
    let lower = match fits {
        0 => String::new(),
        n => format!("lower {flag} to {n}, "),
    };
    bail!(
        "the {name} row would start {threads} threads ({flag} {threads}): about {} MiB of \
         address space with their stacks and glibc's malloc arenas, but ulimit -v allows \
         {} MiB; {lower}raise ulimit -v to {}, or set MALLOC_ARENA_MAX=1",
        needed / MIB,
        limit / MIB,
        (used + needed).div_ceil(1024),
    )
}

/// What `threads` threads map: their stacks (and guard pages), one malloc arena each up
/// to glibc's maximum, and the headroom the rest of the run needs.
fn address_space_for(threads: usize) -> u64 {
    let arenas = if cfg!(all(target_os = "linux", target_env = "gnu")) {
        threads.min(arena_max())
    } else {
        0
    };
    threads as u64 * (STACK as u64 + 4096) + arenas as u64 * 64 * MIB + HEADROOM
}

/// glibc's limit on malloc arenas: MALLOC_ARENA_MAX, or 8 per online processor (all of
/// them, not only those this process may run on).
fn arena_max() -> usize {
    if let Some(max) = std::env::var("MALLOC_ARENA_MAX")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&max| max > 0)
    {
        return max;
    }
    let online = nix::unistd::sysconf(nix::unistd::SysconfVar::_NPROCESSORS_ONLN)
        .ok()
        .flatten()
        .and_then(|n| usize::try_from(n).ok());
    let cpus =
        online.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    8 * cpus
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
