//! Readiness polling: ask the kernel "which of these sockets can I read or write without
//! waiting?" and sleep until at least one can. This is the piece an event loop (asyncio's
//! selectors, tokio's mio) is built on.
//!
//! Two backends behind one small interface:
//! - `poll(2)`, on every Unix: the whole list of sockets is handed to the kernel on every
//!   call, so one call costs O(number of sockets), even when only one of them is ready.
//! - `epoll(7)`, Linux only: sockets are registered once; a wait costs O(number ready).
//!
//! The caller keeps its sockets; `wait` takes them as an iterator, which only the poll
//! backend walks (epoll already knows them from `add`). There is no `remove`: closing a
//! socket takes it out of epoll's interest list, and poll never sees it again.

use std::io;
use std::os::fd::BorrowedFd;
use std::time::Duration;

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout};

/// Which readiness call the non-blocking side uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// epoll(7): register once, each wait costs O(ready sockets). Linux only.
    Epoll,
    /// poll(2): the whole socket list goes to the kernel on every call, O(all sockets).
    Poll,
}

/// The best backend this platform has.
#[cfg(target_os = "linux")]
pub const DEFAULT_BACKEND: Backend = Backend::Epoll;
#[cfg(not(target_os = "linux"))]
pub const DEFAULT_BACKEND: Backend = Backend::Poll;

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Epoll => "epoll",
            Backend::Poll => "poll",
        }
    }
}

/// What a socket's owner is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interest {
    pub read: bool,
    pub write: bool,
}

pub const READ: Interest = Interest {
    read: true,
    write: false,
};

/// One ready socket. Errors and hang-ups count as readable: the next read reports them.
#[derive(Clone, Copy, Debug)]
pub struct Event {
    pub token: usize,
    pub readable: bool,
    pub writable: bool,
}

pub enum Poller {
    #[cfg(target_os = "linux")]
    Epoll {
        epoll: nix::sys::epoll::Epoll,
        ready: Vec<nix::sys::epoll::EpollEvent>,
    },
    Poll,
}

#[cfg(target_os = "linux")]
fn epoll_event(token: usize, interest: Interest) -> nix::sys::epoll::EpollEvent {
    use nix::sys::epoll::{EpollEvent, EpollFlags};
    let mut flags = EpollFlags::empty();
    if interest.read {
        flags |= EpollFlags::EPOLLIN | EpollFlags::EPOLLRDHUP;
    }
    if interest.write {
        flags |= EpollFlags::EPOLLOUT;
    }
    EpollEvent::new(flags, token as u64)
}

impl Poller {
    pub fn new(backend: Backend) -> io::Result<Poller> {
        match backend {
            Backend::Poll => Ok(Poller::Poll),
            #[cfg(target_os = "linux")]
            Backend::Epoll => {
                use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent};
                let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
                let ready = vec![EpollEvent::empty(); 1024];
                Ok(Poller::Epoll { epoll, ready })
            }
            #[cfg(not(target_os = "linux"))]
            Backend::Epoll => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "epoll exists only on Linux (use --poller poll)",
            )),
        }
    }

    /// Start watching `fd`. A no-op for poll, which is told everything on every wait.
    pub fn add(&self, fd: BorrowedFd<'_>, token: usize, interest: Interest) -> io::Result<()> {
        match self {
            #[cfg(target_os = "linux")]
            Poller::Epoll { epoll, .. } => Ok(epoll.add(fd, epoll_event(token, interest))?),
            Poller::Poll => {
                let _ = (fd, token, interest);
                Ok(())
            }
        }
    }

    pub fn modify(&self, fd: BorrowedFd<'_>, token: usize, interest: Interest) -> io::Result<()> {
        match self {
            #[cfg(target_os = "linux")]
            Poller::Epoll { epoll, .. } => Ok(epoll.modify(fd, &mut epoll_event(token, interest))?),
            Poller::Poll => {
                let _ = (fd, token, interest);
                Ok(())
            }
        }
    }

    /// Sleep until a socket is ready or `timeout` passes (None: no limit), then fill
    /// `events` with the ready ones. `sources` is every watched socket; only poll reads it.
    pub fn wait<'a>(
        &mut self,
        sources: impl Iterator<Item = (BorrowedFd<'a>, usize, Interest)>,
        timeout: Option<Duration>,
        events: &mut Vec<Event>,
    ) -> io::Result<()> {
        events.clear();
        // Round up: a deadline 0.4 ms away must not become a 0 ms busy loop.
        let timeout = match timeout {
            None => PollTimeout::NONE,
            Some(t) => {
                let ms = t.as_micros().div_ceil(1000).min(i32::MAX as u128);
                PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX)
            }
        };
        match self {
            #[cfg(target_os = "linux")]
            Poller::Epoll { epoll, ready } => {
                use nix::sys::epoll::EpollFlags;
                let n = match epoll.wait(ready, timeout) {
                    Ok(n) => n,
                    Err(Errno::EINTR) => 0,
                    Err(e) => return Err(e.into()),
                };
                let trouble = EpollFlags::EPOLLERR | EpollFlags::EPOLLHUP;
                for ev in &ready[..n] {
                    let flags = ev.events();
                    events.push(Event {
                        token: ev.data() as usize,
                        readable: flags
                            .intersects(EpollFlags::EPOLLIN | EpollFlags::EPOLLRDHUP | trouble),
                        writable: flags.intersects(EpollFlags::EPOLLOUT | trouble),
                    });
                }
                Ok(())
            }
            Poller::Poll => {
                // The O(n) part: a fresh list of every socket, every call.
                let mut tokens = Vec::new();
                let mut fds = Vec::new();
                for (fd, token, interest) in sources {
                    let mut flags = PollFlags::empty();
                    if interest.read {
                        flags |= PollFlags::POLLIN;
                    }
                    if interest.write {
                        flags |= PollFlags::POLLOUT;
                    }
                    tokens.push(token);
                    fds.push(PollFd::new(fd, flags));
                }
                match nix::poll::poll(&mut fds, timeout) {
                    Ok(_) => {}
                    Err(Errno::EINTR) => return Ok(()),
                    Err(e) => return Err(e.into()),
                }
                let trouble = PollFlags::POLLERR | PollFlags::POLLHUP | PollFlags::POLLNVAL;
                for (fd, token) in fds.iter().zip(tokens) {
                    let Some(got) = fd.revents() else { continue };
                    if got.is_empty() {
                        continue;
                    }
                    events.push(Event {
                        token,
                        readable: got.intersects(PollFlags::POLLIN | trouble),
                        writable: got.intersects(PollFlags::POLLOUT | trouble),
                    });
                }
                Ok(())
            }
        }
    }
}
