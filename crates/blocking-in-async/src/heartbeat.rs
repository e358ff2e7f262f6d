//! The heartbeat: a task on the runtime under test that wants to wake every `tick`, and
//! records how late it woke. It is late exactly when no thread of the runtime is free to
//! run it (or to drive the timer that wakes it).

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

/// One way's figures: how long the tasks took, and the heartbeat's worst lateness.
#[derive(Clone, Copy, Debug)]
pub struct Measured {
    pub elapsed: Duration,
    pub worst_late: Duration,
    pub ticks: u64,
}

/// Runs `work` on `runtime` with a heartbeat beside it, and times it.
pub fn measure<E>(
    runtime: &Runtime,
    tick: Duration,
    work: impl Future<Output = Result<(), E>>,
) -> Result<Measured, E> {
    runtime.block_on(async {
        let heartbeat = Heartbeat::start(tick);
        tokio::time::sleep(tick * 2).await; // the heartbeat is ticking before the work starts
        let start = Instant::now();
        work.await?;
        let elapsed = start.elapsed();
        let (worst_late, ticks) = heartbeat.stop();
        Ok(Measured {
            elapsed,
            worst_late,
            ticks,
        })
    })
}

struct Beats {
    due: Instant,
    worst: Duration,
    ticks: u64,
}

struct Heartbeat {
    beats: Arc<Mutex<Beats>>,
    task: JoinHandle<()>,
}

impl Heartbeat {
    fn start(tick: Duration) -> Heartbeat {
        let beats = Arc::new(Mutex::new(Beats {
            due: Instant::now() + tick,
            worst: Duration::ZERO,
            ticks: 0,
        }));
        let shared = Arc::clone(&beats);
        let task = tokio::spawn(async move {
            loop {
                let due = Instant::now() + tick;
                shared.lock().unwrap().due = due;
                tokio::time::sleep_until(due.into()).await;
                let late = due.elapsed();
                let mut b = shared.lock().unwrap();
                b.worst = b.worst.max(late);
                b.ticks += 1;
            }
        });
        Heartbeat { beats, task }
    }

    /// Stops the heartbeat. A tick that is due and has not run yet counts too: it is
    /// already that late.
    fn stop(self) -> (Duration, u64) {
        self.task.abort();
        let b = self.beats.lock().unwrap();
        (b.worst.max(b.due.elapsed()), b.ticks)
    }
}
