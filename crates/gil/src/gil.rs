//! The emulated Global Interpreter Lock.
//!
//! It is a ticket lock: a thread that wants the GIL takes the next ticket and waits until
//! that ticket is served, so the lock passes from thread to thread in the order they asked
//! for it. CPython has done much the same since 3.2: a thread that has waited a whole
//! switch interval forces the holder to hand the lock over, so no thread starves. A plain
//! `Mutex` would not do: the thread that just let go usually grabs it straight back.
//!
//! The lock also counts how many threads hold it at once. That count is the demo's proof,
//! independent of any timing: with the GIL it never goes above one.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

pub struct Gil {
    tickets: Mutex<Tickets>,
    turn: Condvar,
    holders: AtomicUsize,
    most_holders: AtomicUsize,
    acquisitions: AtomicUsize,
}

struct Tickets {
    next: u64,
    serving: u64,
}

/// Proof of holding the GIL; dropping it hands the lock to the next thread in line.
pub struct GilGuard<'a> {
    gil: &'a Gil,
}

impl Gil {
    pub fn new() -> Self {
        Gil {
            tickets: Mutex::new(Tickets {
                next: 0,
                serving: 0,
            }),
            turn: Condvar::new(),
            holders: AtomicUsize::new(0),
            most_holders: AtomicUsize::new(0),
            acquisitions: AtomicUsize::new(0),
        }
    }

    /// Waits for this thread's turn, then holds the GIL until the guard is dropped.
    pub fn acquire(&self) -> GilGuard<'_> {
        // The inner mutex guards two counters only; a panic elsewhere cannot leave them
        // half-updated, so a poisoned lock is still safe to use.
        let mut tickets = self.tickets.lock().unwrap_or_else(PoisonError::into_inner);
        let mine = tickets.next;
        tickets.next += 1;
        while tickets.serving != mine {
            tickets = self
                .turn
                .wait(tickets)
                .unwrap_or_else(PoisonError::into_inner);
        }
        drop(tickets);
        let now = self.holders.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_holders.fetch_max(now, Ordering::SeqCst);
        self.acquisitions.fetch_add(1, Ordering::Relaxed);
        GilGuard { gil: self }
    }

    /// The largest number of threads that ever held the GIL at the same moment.
    pub fn most_holders(&self) -> usize {
        self.most_holders.load(Ordering::SeqCst)
    }

    /// How many times a thread took the GIL.
    pub fn acquisitions(&self) -> usize {
        self.acquisitions.load(Ordering::Relaxed)
    }
}

impl Drop for GilGuard<'_> {
    fn drop(&mut self) {
        self.gil.holders.fetch_sub(1, Ordering::SeqCst);
        let mut tickets = self
            .gil
            .tickets
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        tickets.serving += 1;
        drop(tickets);
        // Every waiter wakes and checks its ticket; only the next in line goes on.
        self.gil.turn.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::Gil;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn at_most_one_thread_holds_it() {
        let gil = Gil::new();
        let inside = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..200 {
                        let _held = gil.acquire();
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                        std::hint::black_box((0..200u64).sum::<u64>());
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                });
            }
        });
        assert_eq!(gil.most_holders(), 1);
        assert_eq!(gil.acquisitions(), 800);
    }

    #[test]
    fn turns_are_served_in_the_order_asked() {
        // Thread B asks while the main thread holds the lock; when the main thread lets
        // go and asks again at once, B must go first.
        let gil = Gil::new();
        let order = std::sync::Mutex::new(Vec::new());
        let first = gil.acquire();
        std::thread::scope(|s| {
            s.spawn(|| {
                let _held = gil.acquire();
                order.lock().unwrap().push("B");
            });
            // Wait until B has taken its ticket.
            while gil.tickets.lock().unwrap().next < 2 {
                std::thread::yield_now();
            }
            drop(first);
            let _again = gil.acquire();
            order.lock().unwrap().push("main");
        });
        assert_eq!(*order.lock().unwrap(), ["B", "main"]);
    }
}
