//! The harness that runs work in forked processes and measures it as `threads.rs` does a
//! run on threads: wall time, the CPU time the children used (getrusage), and the spans
//! each child reports (its turns holding its own GIL), sent back through a pipe.

use std::fs::File;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, pipe};

use crate::threads::{Run, Span, Spans};

/// Runs `work` in `n` forked processes; each sends back its result and its spans.
pub fn on_processes<F>(n: usize, work: F) -> anyhow::Result<Run>
where
    F: Fn(usize, &mut Spans) -> u64,
{
    // Anything still buffered would be copied into each child.
    std::io::stdout()
        .flush()
        .context("cannot write the output")?;
    let cpu_before = children_cpu_time()?;
    let parent = nix::unistd::getpid();
    let t0 = Instant::now();
    let mut children: Vec<(Pid, File)> = Vec::with_capacity(n);
    let mut failure = None;
    for k in 0..n {
        let (reader, writer) = match pipe() {
            Ok(ends) => ends,
            Err(e) => {
                failure = Some(anyhow!(e).context("cannot create a pipe"));
                break;
            }
        };
        // SAFETY: the process has one thread here (every worker thread of the earlier
        // runs was joined when its scope ended), so no lock can be held by a thread the
        // child did not inherit: it may allocate. It never returns: it ends in _exit.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                drop(reader);
                dies_with_parent(parent);
                let mut spans = Spans::new(t0);
                let result = work(k, &mut spans);
                let sent = File::from(writer).write_all(&encode(result, &spans.into_list()));
                // SAFETY: _exit ends the child at once, without running the parent's
                // exit handlers or flushing buffers it copied.
                unsafe { nix::libc::_exit(i32::from(sent.is_err())) }
            }
            Ok(ForkResult::Parent { child }) => {
                drop(writer); // or the read below never sees the end of the pipe
                children.push((child, File::from(reader)));
            }
            Err(e) => {
                failure = Some(anyhow!(e).context("cannot fork a process; try fewer --threads"));
                break;
            }
        }
    }
    let (mut result, mut spans) = (0u64, Vec::new());
    for (pid, mut pipe) in children {
        let mut bytes = Vec::new();
        let read = pipe.read_to_end(&mut bytes);
        drop(pipe);
        let status = waitpid(pid, None); // reap it, also after a failure
        match (read, status) {
            (Ok(_), Ok(WaitStatus::Exited(_, 0))) => match decode(&bytes) {
                Some((r, list)) => {
                    result = result.wrapping_add(r);
                    spans.push(list);
                }
                None => failure = failure.or(Some(anyhow!("a child sent a short message"))),
            },
            (_, status) => failure = failure.or(Some(anyhow!("a child failed: {status:?}"))),
        }
    }
    let elapsed = t0.elapsed();
    if let Some(error) = failure {
        return Err(error.context("the forked processes failed"));
    }
    let cpu = children_cpu_time()?.saturating_sub(cpu_before);
    Ok(Run {
        t0,
        elapsed,
        cpu,
        result,
        spans,
    })
}

/// Linux kills the child (SIGKILL) when the parent dies, so an interrupted run leaves
/// no process computing on for nobody; a parent already gone ends it at once.
fn dies_with_parent(parent: Pid) {
    #[cfg(target_os = "linux")]
    if nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL).is_err()
        || nix::unistd::getppid() != parent
    {
        // SAFETY: as above.
        unsafe { nix::libc::_exit(1) }
    }
    let _ = parent;
}

/// CPU time used by the reaped children of this process, all together.
fn children_cpu_time() -> anyhow::Result<Duration> {
    let usage =
        getrusage(UsageWho::RUSAGE_CHILDREN).context("cannot read the children's CPU time")?;
    let secs =
        |t: nix::sys::time::TimeVal| Duration::new(t.tv_sec() as u64, t.tv_usec() as u32 * 1000);
    Ok(secs(usage.user_time()) + secs(usage.system_time()))
}

/// The child's message: its result, then each span's start and end in nanoseconds.
fn encode(result: u64, spans: &[Span]) -> Vec<u8> {
    let mut bytes = result.to_le_bytes().to_vec();
    for span in spans {
        bytes.extend((span.start.as_nanos() as u64).to_le_bytes());
        bytes.extend((span.end.as_nanos() as u64).to_le_bytes());
    }
    bytes
}

fn decode(bytes: &[u8]) -> Option<(u64, Vec<Span>)> {
    if bytes.len() < 8 || !(bytes.len() - 8).is_multiple_of(16) {
        return None;
    }
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or([0; 8]));
    let spans = (8..bytes.len())
        .step_by(16)
        .map(|at| Span {
            start: Duration::from_nanos(word(at)),
            end: Duration::from_nanos(word(at + 8)),
        })
        .collect();
    Some((word(0), spans))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_decodes_to_what_was_sent() {
        let ms = Duration::from_millis;
        let spans = [
            Span {
                start: ms(1),
                end: ms(6),
            },
            Span {
                start: ms(9),
                end: ms(14),
            },
        ];
        let (result, back) = decode(&encode(42, &spans)).unwrap();
        assert_eq!(result, 42);
        assert_eq!(back.len(), 2);
        assert_eq!((back[1].start, back[1].end), (ms(9), ms(14)));
        assert!(decode(&[0; 12]).is_none());
    }
}
