//! Part four: no async Drop. What Python's `async with` exit becomes in Rust: an explicit
//! `close().await`, or a Drop that can only spawn the close for later (and loses it when
//! the runtime ends first).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use tokio::time::{Instant, sleep};

use crate::report::{Closing, Tr};

// ANCHOR: guard
/// A connection that must be flushed and closed: `async with`'s `__aexit__` would await
/// that. Rust has no async Drop: the close is an explicit `close().await`; a Drop cannot
/// await, so it can only do sync work, or spawn the close for later.
struct Conn {
    counts: Arc<[AtomicU64; 3]>, // closed by close().await, spawned by Drop, done by those
    open: bool,
}

impl Conn {
    async fn close(mut self) {
        sleep(Duration::from_millis(5)).await; // the flush: it needs to await
        self.counts[0].fetch_add(1, Relaxed);
        self.open = false; // so Drop has nothing left to do
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        // No .await here. The best a Drop can do is hand the close to the runtime.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let counts = self.counts.clone();
            counts[1].fetch_add(1, Relaxed);
            runtime.spawn(async move {
                sleep(Duration::from_millis(5)).await;
                counts[2].fetch_add(1, Relaxed); // runs later, if the runtime still runs
            });
        }
    }
}
// ANCHOR_END: guard

fn counts() -> Arc<[AtomicU64; 3]> {
    Arc::new([AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)])
}

/// The explicit close, then the Drop that spawns: what is done at the end of the scope.
pub async fn close_or_drop(tr: &Arc<Tr>) -> Closing {
    let c = counts();
    let from = Instant::now();
    {
        let conn = Conn {
            counts: c.clone(),
            open: true,
        };
        conn.close().await; // `async with`'s exit, written out
    }
    let close_awaited = c[0].load(Relaxed); // done by the end of the scope
    tr.close(0, from, Instant::now());
    let d = counts();
    let from = Instant::now();
    {
        let _conn = Conn {
            counts: d.clone(),
            open: true,
        };
    } // dropped here: Drop spawns the close
    let drop_done_at_exit = d[2].load(Relaxed);
    sleep(Duration::from_millis(20)).await;
    let drop_done_later = d[2].load(Relaxed);
    tr.close(1, from, Instant::now());
    Closing {
        close_awaited,
        drop_spawned: d[1].load(Relaxed),
        drop_done_at_exit,
        drop_done_later,
        lost: [0, 0],
    }
}

// ANCHOR: lost
/// A Drop in a runtime that ends right after: its spawned close is dropped, never run.
pub fn drop_as_the_runtime_ends() -> anyhow::Result<[u64; 2]> {
    let c = counts();
    crate::runtime()?.block_on(async {
        let _conn = Conn {
            counts: c.clone(),
            open: true,
        };
    }); // the runtime ends here, with the spawned close still waiting
    Ok([c[1].load(Relaxed), c[2].load(Relaxed)])
}
// ANCHOR_END: lost
