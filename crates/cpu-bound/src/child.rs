//! A forked child's life, after `fork` in main.rs: it dies with its parent, computes its
//! jobs and sends each one's record down its pipe. It allocates nothing, takes no lock and
//! prints nothing (see the SAFETY note on `fork`).

use std::fs::File;
use std::io::Write;
use std::time::Instant;

use nix::unistd::Pid;

/// A child killed with its parent (SIGINT, SIGTERM, SIGKILL) stops at once, rather
/// than computing on for nobody: Linux sends it SIGKILL when the parent dies.
pub fn dies_with_parent(parent: Pid) {
    #[cfg(target_os = "linux")]
    {
        let _ = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL);
        if nix::unistd::getppid() != parent {
            // SAFETY: see the fork above; _exit is async-signal-safe.
            unsafe { nix::libc::_exit(1) }
        }
    }
    let _ = parent;
}

/// The child's whole life: compute its jobs, send each as a record (its sum, and when it
/// ran, for the parent's trace: Instant is the system's monotonic clock, the same in the
/// parent and the child), exit 0 or 1.
pub fn sends_results(
    sizes: &[u64],
    k: usize,
    workers: usize,
    zero: Instant,
    mut pipe: File,
) -> i32 {
    let ns = |at: Instant| at.saturating_duration_since(zero).as_nanos() as u64;
    for j in crate::jobs_of(k, workers, sizes.len()) {
        let from = Instant::now();
        let sum = crate::job(sizes[j]);
        let record = crate::records::encode(j, sum, ns(from), ns(Instant::now()));
        if pipe.write_all(&record).is_err() {
            return 1;
        }
    }
    0
}
