//! What the producer and the consumers report as they go, on the one thread they share:
//! how many items wait in the queue (sent and not yet received), the most at once, which
//! items were consumed and how often, and when the producer finished.

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

use crate::lanes::Lanes;

pub struct Ledger<'t> {
    /// What the trace draws of this run (nothing, and one branch a call, without --trace).
    lanes: Lanes<'t>,
    sent: Cell<usize>,
    waiting: Cell<usize>,
    most_waiting: Cell<usize>,
    times_consumed: RefCell<Vec<u8>>,
    producer_done: Cell<Option<Instant>>,
}

impl<'t> Ledger<'t> {
    pub fn new(items: usize, lanes: Lanes<'t>) -> Self {
        lanes.start();
        Ledger {
            lanes,
            sent: Cell::new(0),
            waiting: Cell::new(0),
            most_waiting: Cell::new(0),
            times_consumed: RefCell::new(vec![0; items]),
            producer_done: Cell::new(None),
        }
    }

    /// An item went into the queue. On one thread nothing runs between the send and
    /// this call, so the count is exactly the queue's length.
    pub fn queued(&self) {
        self.waiting.set(self.waiting.get() + 1);
        self.most_waiting
            .set(self.most_waiting.get().max(self.waiting.get()));
        self.lanes.queued(self.sent.get(), self.waiting.get());
        self.sent.set(self.sent.get() + 1);
    }

    /// Consumer `c` (counted from 0) took item `id` out of the queue.
    pub fn taken(&self, c: usize, id: usize) {
        self.waiting.set(self.waiting.get() - 1);
        let mut seen = self.times_consumed.borrow_mut();
        seen[id] = seen[id].saturating_add(1);
        self.lanes.taken(c, id, self.waiting.get());
    }

    /// Consumer `c` finished the work on its item.
    pub fn worked(&self, c: usize) {
        self.lanes.worked(c);
    }

    pub fn producer_finished(&self) {
        self.producer_done.set(Some(Instant::now()));
        self.lanes.producer_finished();
    }

    pub fn most_waiting(&self) -> usize {
        self.most_waiting.get()
    }

    /// When the producer finished, counted from `start`.
    pub fn producer_time(&self, start: Instant) -> Duration {
        self.producer_done
            .get()
            .map_or(Duration::ZERO, |t| t - start)
    }

    /// Every item consumed exactly once: none lost, none twice.
    pub fn each_consumed_once(&self) -> bool {
        self.times_consumed.borrow().iter().all(|&n| n == 1)
    }
}
