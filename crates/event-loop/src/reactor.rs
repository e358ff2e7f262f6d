//! The reactor: the part of the loop that waits. A leaf future that cannot go
//! on tells it "wake this task when fd 7 is readable" or "... at +200 ms";
//! `wait` then makes ONE poll(2) call over every fd someone waits on, with the
//! nearest timer deadline as its timeout, and hands back the wakers whose fd
//! became ready or whose deadline passed.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::rc::Rc;
use std::task::Waker;
use std::time::Instant;

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use anyhow::Context;

use crate::narrate::Narrator;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interest {
    Read,
    Write,
}

impl Interest {
    fn flags(self) -> PollFlags {
        match self {
            Interest::Read => PollFlags::POLLIN,
            Interest::Write => PollFlags::POLLOUT,
        }
    }
    pub fn ready_word(self) -> &'static str {
        match self {
            Interest::Read => "readable",
            Interest::Write => "writable",
        }
    }
}

/// A task parked on a file descriptor. The reactor keeps a shared handle to
/// the socket, so the fd cannot be closed while poll(2) is looking at it.
struct IoWaiter {
    source: Rc<dyn AsFd>,
    interest: Interest,
    task: usize,
    waker: Waker,
}

/// A task parked until a deadline; `seq` keeps equal deadlines first-come first-served.
struct Timer {
    deadline: Instant,
    seq: u64,
    task: usize,
    waker: Waker,
}

impl Ord for Timer {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
    }
}
impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Timer {}

/// One task to wake, and why (for the trace).
pub struct Wakeup {
    pub task: usize,
    pub waker: Waker,
    pub reason: String,
}

pub struct Reactor {
    narrator: Narrator,
    io: Vec<IoWaiter>,
    /// A min-heap (via Reverse): the nearest deadline is always on top.
    timers: BinaryHeap<Reverse<Timer>>,
    next_seq: u64,
    pub parks_on_io: usize,
    pub timers_set: usize,
    pub waits: usize,
}

impl Reactor {
    pub fn new(narrator: Narrator) -> Self {
        Reactor {
            narrator,
            io: Vec::new(),
            timers: BinaryHeap::new(),
            next_seq: 0,
            parks_on_io: 0,
            timers_set: 0,
            waits: 0,
        }
    }

    /// Park `task` until `source` is ready for `interest` (one-shot).
    pub fn wait_for_fd(
        &mut self,
        source: Rc<dyn AsFd>,
        interest: Interest,
        task: usize,
        waker: Waker,
    ) {
        self.parks_on_io += 1;
        self.io.push(IoWaiter {
            source,
            interest,
            task,
            waker,
        });
    }

    /// Park `task` until `deadline` (one-shot).
    pub fn wait_until(&mut self, deadline: Instant, task: usize, waker: Waker) {
        self.timers_set += 1;
        self.next_seq += 1;
        self.timers.push(Reverse(Timer {
            deadline,
            seq: self.next_seq,
            task,
            waker,
        }));
    }

    /// What the next wait watches: how many sockets, and its timeout in ms (None: no timer).
    pub fn watching(&self) -> (usize, Option<u64>) {
        (self.io.len(), self.timeout_ms(Instant::now()))
    }

    /// Nothing to wait for: waiting would block forever.
    pub fn is_idle(&self) -> bool {
        self.io.is_empty() && self.timers.is_empty()
    }

    /// How long poll(2) may sleep, in ms: until the nearest deadline, rounded UP
    /// so we never wake a hair early and spin; None (forever) if no timer is set.
    fn timeout_ms(&self, now: Instant) -> Option<u64> {
        let Reverse(nearest) = self.timers.peek()?;
        let micros = nearest.deadline.saturating_duration_since(now).as_micros();
        Some(u64::try_from(micros.div_ceil(1000)).unwrap_or(u64::MAX))
    }

    /// Block in poll(2) until an fd is ready or the nearest timer is due.
    pub fn wait(&mut self) -> anyhow::Result<Vec<Wakeup>> {
        self.waits += 1;
        let timeout_ms = self.timeout_ms(Instant::now());
        let watched: Vec<String> = self
            .io
            .iter()
            .map(|w| {
                let dir = if w.interest == Interest::Read {
                    "read"
                } else {
                    "write"
                };
                format!("{}:{dir}", w.source.as_fd().as_raw_fd())
            })
            .collect();
        let limit = timeout_ms.map_or("none".to_string(), |ms| format!("{ms} ms"));
        let timeout = timeout_ms.map_or(PollTimeout::NONE, |ms| {
            PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX)
        });
        self.narrator.line(format_args!(
            "poll({} fds [{}], timeout {limit})",
            watched.len(),
            watched.join(" ")
        ));
        let ready = {
            let mut fds: Vec<PollFd> = self
                .io
                .iter()
                .map(|w| PollFd::new(w.source.as_fd(), w.interest.flags()))
                .collect();
            loop {
                match poll(&mut fds, timeout) {
                    Ok(_) => break,
                    // A signal cut the wait short; the deadlines still hold, so just wait again.
                    Err(Errno::EINTR) => continue,
                    Err(e) => {
                        return Err(e)
                            .context("poll(2) failed; check the open file limit (ulimit -n)");
                    }
                }
            }
            // Any revents counts, errors and hang-ups too: the retried operation reports them.
            fds.iter()
                .map(|f| f.any().unwrap_or(true))
                .collect::<Vec<bool>>()
        };
        let mut woken = Vec::new();
        for (waiter, is_ready) in std::mem::take(&mut self.io).into_iter().zip(ready) {
            if is_ready {
                let fd: RawFd = waiter.source.as_fd().as_raw_fd();
                let reason = format!("fd {fd} {}", waiter.interest.ready_word());
                woken.push(Wakeup {
                    task: waiter.task,
                    waker: waiter.waker,
                    reason,
                });
            } else {
                self.io.push(waiter);
            }
        }
        woken.extend(self.due_timers(Instant::now()));
        Ok(woken)
    }

    /// Pop every timer whose deadline has passed, nearest first.
    fn due_timers(&mut self, now: Instant) -> Vec<Wakeup> {
        let mut due = Vec::new();
        while self
            .timers
            .peek()
            .is_some_and(|Reverse(t)| t.deadline <= now)
        {
            if let Some(Reverse(t)) = self.timers.pop() {
                let reason = format!("timer +{}ms due", self.narrator.offset_ms(t.deadline));
                due.push(Wakeup {
                    task: t.task,
                    waker: t.waker,
                    reason,
                });
            }
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    fn reactor() -> Reactor {
        Reactor::new(Narrator {
            start: Instant::now(),
            on: false,
        })
    }

    #[test]
    fn timers_fire_nearest_first_and_only_when_due() {
        let mut r = reactor();
        let t0 = Instant::now();
        let noop = Waker::noop().clone();
        for (task, ms) in [(1, 300), (2, 100), (3, 200), (4, 100)] {
            r.wait_until(t0 + Duration::from_millis(ms), task, noop.clone());
        }
        let due: Vec<usize> = r
            .due_timers(t0 + Duration::from_millis(250))
            .iter()
            .map(|w| w.task)
            .collect();
        // Task 2 and 4 share a deadline: first registered, first woken.
        assert_eq!(due, [2, 4, 3]);
        assert!(!r.is_idle(), "the 300 ms timer is still waiting");
        assert_eq!(r.timeout_ms(t0 + Duration::from_millis(250)), Some(50));
    }

    #[test]
    fn timeout_rounds_up_and_is_none_without_timers() {
        let mut r = reactor();
        let now = Instant::now();
        assert_eq!(r.timeout_ms(now), None);
        r.wait_until(now + Duration::from_micros(1_500), 1, Waker::noop().clone());
        assert_eq!(r.timeout_ms(now), Some(2));
        assert_eq!(r.timeout_ms(now + Duration::from_secs(1)), Some(0));
    }

    #[test]
    fn a_readable_fd_wakes_its_task_and_a_quiet_one_does_not() {
        let (quiet, _quiet_peer) = UnixStream::pair().unwrap();
        let (loud, mut loud_peer) = UnixStream::pair().unwrap();
        let mut r = reactor();
        r.wait_for_fd(Rc::new(quiet), Interest::Read, 1, Waker::noop().clone());
        r.wait_for_fd(Rc::new(loud), Interest::Read, 2, Waker::noop().clone());
        loud_peer.write_all(b"x").unwrap();
        let woken: Vec<usize> = r.wait().unwrap().iter().map(|w| w.task).collect();
        assert_eq!(woken, [2]);
        assert_eq!(r.io.len(), 1, "task 1 still waits");
        assert_eq!(r.parks_on_io, 2);
    }
}
