//! What one update costs, each way, on one thread with nobody else contending: a tokio
//! Mutex (lock().await, add, unlock), a std Mutex (lock, add, unlock) and an atomic
//! fetch_add. Each is timed over many updates, best of five rounds, so a moment when
//! the OS runs something else does not count against one of them.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;

pub struct Cost {
    pub tokio_mutex_ns: f64,
    pub std_mutex_ns: f64,
    pub atomic_ns: f64,
}

impl Cost {
    pub fn print(&self, updates: usize) {
        println!(
            "one update with nobody else waiting, in ns (the fastest of 5 rounds of {updates}):"
        );
        for (key, ns, how) in [
            (
                "ns_async_lock",
                self.tokio_mutex_ns,
                "tokio Mutex: lock().await, add, unlock",
            ),
            (
                "ns_sync_lock",
                self.std_mutex_ns,
                "std Mutex: lock, add, unlock",
            ),
            ("ns_one_step", self.atomic_ns, "atomic fetch_add"),
        ] {
            println!("  {key:<14} {ns:>7.1} ns   {how}");
        }
    }
}

pub fn measure(runtime: &Runtime, updates: usize) -> Cost {
    let best = |round: &mut dyn FnMut() -> Duration| {
        let fastest = (0..5).map(|_| round()).min().unwrap_or_default();
        fastest.as_secs_f64() * 1e9 / updates as f64
    };
    let tokio_mutex_ns = best(&mut || {
        let counter = tokio::sync::Mutex::new(0u64);
        runtime.block_on(async {
            let start = Instant::now();
            for _ in 0..updates {
                *black_box(&counter).lock().await += 1;
            }
            start.elapsed()
        })
    });
    let std_mutex_ns = best(&mut || {
        let counter = Mutex::new(0u64);
        let start = Instant::now();
        for _ in 0..updates {
            *black_box(&counter)
                .lock()
                .unwrap_or_else(PoisonError::into_inner) += 1;
        }
        start.elapsed()
    });
    let atomic_ns = best(&mut || {
        let counter = AtomicU64::new(0);
        let start = Instant::now();
        for _ in 0..updates {
            black_box(&counter).fetch_add(1, SeqCst);
        }
        start.elapsed()
    });
    Cost {
        tokio_mutex_ns,
        std_mutex_ns,
        atomic_ns,
    }
}
