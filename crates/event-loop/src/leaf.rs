//! Leaf futures: the only futures that return Pending on their own. Each one
//! tries its operation; if it cannot finish yet it registers the current
//! task's waker with the reactor and returns Pending. Every `async fn` above
//! them just passes that Pending up, so the whole task pauses at this point.

use std::future::Future;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{self, SocketAddr};
use std::os::fd::{AsFd, AsRawFd};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::socket::{
    AddressFamily, Backlog, SockFlag, SockType, SockaddrStorage, connect, listen, socket,
};

use crate::executor::with_runtime;
use crate::reactor::Interest;
use crate::timeline::Park;

/// `sleep(d).await`: Pending until the deadline, with a timer in the reactor.
pub fn sleep(duration: Duration) -> Sleep {
    Sleep {
        deadline: Instant::now() + duration,
        registered: false,
    }
}

pub struct Sleep {
    deadline: Instant,
    registered: bool,
}

impl Future for Sleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        if !self.registered {
            self.registered = true;
            let deadline = self.deadline;
            with_runtime(|rt| {
                let task = rt.current();
                let at = rt.narrator.offset_ms(deadline);
                rt.narrator
                    .line(format_args!("timer for {} at +{at}ms", rt.label(task)));
                rt.chart
                    .parking(|| format!("sleep: parked until +{at} ms"), Park::Timer);
                rt.reactor
                    .borrow_mut()
                    .wait_until(deadline, task, cx.waker().clone());
            });
        }
        Poll::Pending
    }
}

/// `yield_now().await`: hand the thread back once, as asyncio's `await asyncio.sleep(0)`.
/// The task wakes itself at once, so it goes to the BACK of the ready queue: every task
/// that was ready before it runs first.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.yielded, true) {
            return Poll::Ready(());
        }
        with_runtime(|rt| {
            let task = rt.current();
            rt.narrator.line(format_args!(
                "{} yields: back of the ready queue",
                rt.label(task)
            ));
        });
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// One non-blocking socket operation: `op` is tried on every poll; WouldBlock
/// means "park on this fd until it is ready for `interest`".
struct IoOp<'a, S, F> {
    socket: &'a Rc<S>,
    interest: Interest,
    what: &'static str,
    op: F,
}

fn io_op<'a, S, T, F>(
    socket: &'a Rc<S>,
    interest: Interest,
    what: &'static str,
    op: F,
) -> IoOp<'a, S, F>
where
    F: FnMut(&S) -> io::Result<T> + Unpin,
{
    IoOp {
        socket,
        interest,
        what,
        op,
    }
}

// ANCHOR: io-op
impl<S: AsFd + 'static, T, F: FnMut(&S) -> io::Result<T> + Unpin> Future for IoOp<'_, S, F> {
    type Output = io::Result<T>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let this = self.get_mut();
        match (this.op)(this.socket) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                with_runtime(|rt| {
                    let task = rt.current();
                    rt.narrator.line(format_args!(
                        "{} pending on fd {}: {} would block, wait until {}",
                        rt.label(task),
                        this.socket.as_fd().as_raw_fd(),
                        this.what,
                        this.interest.ready_word()
                    ));
                    let fd = this.socket.as_fd().as_raw_fd();
                    let (what, ready) = (this.what, this.interest.ready_word());
                    rt.chart.parking(
                        || format!("{what} would block: parked until fd {fd} is {ready}"),
                        Park::Io,
                    );
                    let source: Rc<dyn AsFd> = Rc::clone(this.socket) as Rc<dyn AsFd>;
                    rt.reactor.borrow_mut().wait_for_fd(
                        source,
                        this.interest,
                        task,
                        cx.waker().clone(),
                    );
                });
                Poll::Pending
            }
            done => Poll::Ready(done),
        }
    }
}
// ANCHOR_END: io-op

pub struct TcpListener(Rc<net::TcpListener>);

/// How many connections may wait in the accept queue: tokio's 1,024, where std's `bind`
/// asks for 128, which a burst of clients overflows (each dropped handshake is retried a
/// whole second later).
pub const BACKLOG: i32 = 1024;

impl TcpListener {
    /// Binding never waits, so it is a plain function.
    pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
        let listener = net::TcpListener::bind(addr)?;
        // listen(2) again on a listening socket only changes its backlog. Where libc's
        // SOMAXCONN is below 1024 (macOS, musl), nix refuses 1024: ask for the most it allows.
        listen(&listener, Backlog::new(BACKLOG).unwrap_or(Backlog::MAXCONN))?;
        listener.set_nonblocking(true)?;
        Ok(TcpListener(Rc::new(listener)))
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }

    pub async fn accept(&self) -> io::Result<TcpStream> {
        let (stream, _peer) = io_op(&self.0, Interest::Read, "accept", |l| l.accept()).await?;
        // Accepted sockets do not inherit non-blocking mode on every OS.
        stream.set_nonblocking(true)?;
        Ok(TcpStream(Rc::new(stream)))
    }
}

pub struct TcpStream(Rc<net::TcpStream>);

impl TcpStream {
    /// std's `TcpStream::connect` blocks until the handshake is done, so the
    /// socket is made with nix, switched to non-blocking, then connected: the
    /// kernel answers EINPROGRESS and the socket turns writable once connected.
    pub async fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
        let family = if addr.is_ipv4() {
            AddressFamily::Inet
        } else {
            AddressFamily::Inet6
        };
        let fd = socket(family, SockType::Stream, SockFlag::empty(), None)?;
        let stream = net::TcpStream::from(fd);
        stream.set_nonblocking(true)?;
        let stream = Rc::new(stream);
        match connect(stream.as_raw_fd(), &SockaddrStorage::from(addr)) {
            Ok(()) => {}
            Err(Errno::EINPROGRESS) => {
                // EINPROGRESS is the kernel's WouldBlock for connect: park until the
                // socket is writable, then SO_ERROR says whether the handshake worked.
                let mut in_progress = true;
                io_op(&stream, Interest::Write, "connect", move |s| {
                    if std::mem::take(&mut in_progress) {
                        return Err(ErrorKind::WouldBlock.into());
                    }
                    s.take_error()?.map_or(Ok(()), Err)
                })
                .await?
            }
            Err(e) => return Err(e.into()),
        }
        Ok(TcpStream(stream))
    }

    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }

    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        io_op(&self.0, Interest::Read, "read", |s| (&*s).read(buf)).await
    }

    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        io_op(&self.0, Interest::Write, "write", |s| (&*s).write(buf)).await
    }

    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }
}

/// One end of a Unix socket pair, read without blocking: `--serve`'s stop signal arrives
/// on one (the self-pipe trick), so the loop wakes for Ctrl-C like for any socket.
pub struct UnixStream(Rc<std::os::unix::net::UnixStream>);

impl UnixStream {
    pub fn new(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream(Rc::new(stream)))
    }

    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        io_op(&self.0, Interest::Read, "read", |s| (&*s).read(buf)).await
    }
}
