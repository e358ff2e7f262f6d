//! What the process costs while a method runs, read from /proc/self/status (Linux):
//! its OS thread count (`Threads:`) and its resident memory (`VmRSS:`). A sampler
//! thread reads both every millisecond and keeps the highest values. Elsewhere the
//! figures are absent, and the table shows `-`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// One reading of /proc/self/status.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Status {
    pub threads: usize,
    pub rss_kib: u64,
}

/// The process's thread count and resident memory now, if /proc has them.
pub fn status() -> Option<Status> {
    parse(&std::fs::read_to_string("/proc/self/status").ok()?)
}

fn parse(text: &str) -> Option<Status> {
    let field = |name: &str| -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with(name))?;
        line[name.len()..].split_whitespace().next()?.parse().ok()
    };
    Some(Status {
        threads: field("Threads:")? as usize,
        rss_kib: field("VmRSS:")?,
    })
}

/// Waits (at most a second) until the threads of the previous method have left
/// /proc: a joined thread can still be listed for a moment while the kernel reaps it.
pub fn settle(threads: usize) {
    for _ in 0..1000 {
        if status().is_none_or(|now| now.threads <= threads) {
            return;
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// Samples the process while a method runs; `stop` returns the highest readings.
pub struct Sampler {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<Option<Status>>>,
}

impl Sampler {
    /// Starts sampling (one extra thread, which `stop` leaves out of the count).
    pub fn start() -> Sampler {
        let done = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&done);
        let thread = thread::Builder::new()
            .name("sampler".into())
            .spawn(move || {
                let mut most: Option<Status> = None;
                loop {
                    // Read once more after the flag, so a very short method is seen too.
                    let last = flag.load(Ordering::SeqCst);
                    if let Some(now) = status() {
                        let m = most.get_or_insert(now);
                        m.threads = m.threads.max(now.threads);
                        m.rss_kib = m.rss_kib.max(now.rss_kib);
                    }
                    if last {
                        return most;
                    }
                    thread::sleep(Duration::from_millis(1));
                }
            })
            .ok();
        Sampler { done, thread }
    }

    /// The most threads (less the sampler itself) and the most memory seen.
    pub fn stop(mut self) -> Option<Status> {
        self.done.store(true, Ordering::SeqCst);
        let most = self.thread.take()?.join().ok()??;
        Some(Status {
            threads: most.threads - 1,
            ..most
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_threads_and_rss_from_a_status_text() {
        let text = "Name:\tio-bound\nVmRSS:\t    5120 kB\nThreads:\t3\n";
        assert_eq!(
            parse(text),
            Some(Status {
                threads: 3,
                rss_kib: 5120
            })
        );
        assert_eq!(parse("Name:\tx\n"), None);
    }
}
