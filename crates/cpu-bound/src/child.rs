//! A forked child's life, after `fork` in main.rs: it dies with its parent, computes its
//! jobs and sends each one's record down its pipe. It allocates nothing, takes no lock and
//! prints nothing (see the SAFETY note on `fork`). Then the parent's side: reading every
//! pipe and reaping every child.

use std::fs::File;
use std::io::Write;
use std::time::Instant;

use anyhow::{Context, anyhow};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::Pid;

use crate::lanes::Lanes;

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

/// The parent's side, after the forks: reads each child's records to the end of its pipe
/// (its jobs' sums, and when it ran them, for the trace), then reaps it with waitpid,
/// whatever failed before, so no zombie is left. `failure` is a failed pipe or fork.
pub fn read_then_reap(
    children: Vec<(Pid, File)>,
    mut failure: Option<anyhow::Error>,
    sizes: &[u64],
    lanes: &Lanes,
) -> anyhow::Result<Vec<u128>> {
    let mut results = vec![None; sizes.len()];
    for (k, (pid, mut pipe)) in children.into_iter().enumerate() {
        let mut ran = Vec::new();
        if failure.is_none() {
            failure = crate::records::read(&mut pipe, &mut results, &mut ran).err();
        }
        for (j, from_ns, to_ns) in ran {
            lanes.job_ns(k, j, sizes[j], from_ns, to_ns); // the child's times, recorded here
        }
        drop(pipe); // a child still writing gets EPIPE and exits
        match waitpid(pid, None) {
            Ok(WaitStatus::Exited(_, 0)) => {}
            Ok(status) => failure = failure.or(Some(anyhow!("a child ended with {status:?}"))),
            Err(e) => failure = failure.or(Some(anyhow!(e).context("waitpid failed"))),
        }
    }
    match failure {
        Some(error) => Err(error.context("the forked processes failed; try fewer --workers")),
        None => results
            .into_iter()
            .collect::<Option<_>>()
            .context("a job got no result; this is a bug in the demo"),
    }
}
