//! The heartbeat: a task on the runtime under test that wants to wake every `tick`, and
//! records how late it woke. It is late exactly when no thread of the runtime is free to
//! run it (or to drive the timer that wakes it).

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

use crate::trace::{Trace, Track};

/// One way's figures: how long the tasks took, and the heartbeat's worst lateness.
#[derive(Clone, Copy, Debug)]
pub struct Measured {
    pub elapsed: Duration,
    pub worst_late: Duration,
    pub ticks: u64,
}

/// Runs `work` on `runtime` with a heartbeat beside it, and times it.
/// Each tick is drawn on `lane`: a slice from when it went to sleep until it woke.
pub fn measure<E>(
    runtime: &Runtime,
    tick: Duration,
    work: impl Future<Output = Result<(), E>>,
    lane: (Arc<Trace>, Track),
) -> Result<Measured, E> {
    runtime.block_on(async {
        let heartbeat = Heartbeat::start(tick, lane);
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

/// The legend's words for a tick: woke within 2 ms of when it was due, or later.
pub const ON_TIME: &str = "heartbeat: on time";
pub const LATE: &str = "heartbeat: late";

struct Beats {
    asked: Instant,
    due: Instant,
    worst: Duration,
    ticks: u64,
}

struct Heartbeat {
    beats: Arc<Mutex<Beats>>,
    task: JoinHandle<()>,
    lane: (Arc<Trace>, Track),
}

impl Heartbeat {
    fn start(tick: Duration, lane: (Arc<Trace>, Track)) -> Heartbeat {
        let (trace, track) = (Arc::clone(&lane.0), lane.1);
        let beats = Arc::new(Mutex::new(Beats {
            asked: Instant::now(),
            due: Instant::now() + tick,
            worst: Duration::ZERO,
            ticks: 0,
        }));
        let shared = Arc::clone(&beats);
        let task = tokio::spawn(async move {
            loop {
                let asked = Instant::now();
                let due = asked + tick;
                {
                    let mut b = shared.lock().unwrap();
                    (b.asked, b.due) = (asked, due);
                }
                tokio::time::sleep_until(due.into()).await;
                let woke = Instant::now();
                let late = woke.duration_since(due);
                let mut b = shared.lock().unwrap();
                b.worst = b.worst.max(late);
                b.ticks += 1;
                if trace.is_on() {
                    let ms = late.as_secs_f64() * 1e3;
                    let kind = if ms < 2.0 { ON_TIME } else { LATE };
                    let name = format!("tick {}: woke {ms:.1} ms late", b.ticks);
                    trace.slice(track, kind, &name, asked, woke);
                }
            }
        });
        Heartbeat { beats, task, lane }
    }

    /// Stops the heartbeat. A tick that is due and has not run yet counts too: it is
    /// already that late.
    fn stop(self) -> (Duration, u64) {
        self.task.abort();
        let b = self.beats.lock().unwrap();
        let (trace, track) = &self.lane;
        if trace.is_on() && b.due.elapsed() > Duration::from_millis(2) {
            let ms = b.due.elapsed().as_secs_f64() * 1e3;
            let name = format!("tick {}: not run yet, {ms:.1} ms late", b.ticks + 1);
            trace.slice(*track, LATE, &name, b.asked, Instant::now());
        }
        (b.worst.max(b.due.elapsed()), b.ticks)
    }
}
