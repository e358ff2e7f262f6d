//! Helpers only this crate's tests need: the binary's path, a server (`--serve`, or the
//! minimal program) run as a child whose lines arrive as they are printed, and a burst of
//! non-blocking connects (as in crates/sockets).
#![allow(dead_code)] // each test file uses its own part of this module

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_chat-server");

/// A `--serve` server in a child process. Its stdout lines arrive on a channel as it
/// prints them; dropping it kills and reaps the child, so a failed test leaves nothing.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    lines: Receiver<String>,
    pub seen: Vec<String>,
}

impl Server {
    /// Starts `chat-server --serve 127.0.0.1:0 <args>` and reads the address from its first line.
    pub fn start(args: &[&str]) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.args(["--serve", "127.0.0.1:0"]).args(args);
        Server::start_command(cmd)
    }

    /// Starts `cmd`, a server that prints `listening on ADDR; ... nc IP PORT` (or `chat on
    /// ADDR; ...`) first, and reads the address from that line.
    pub fn start_command(mut cmd: Command) -> Server {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server starts");
        let out = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = channel();
        thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            addr: "0.0.0.0:0".parse().unwrap(),
            lines,
            seen: Vec::new(),
        };
        let first = server.wait_for(" on 127.0.0.1:");
        let addr = first
            .find("127.0.0.1:")
            .and_then(|at| first[at..].split(';').next())
            .unwrap_or_else(|| panic!("no address in {first:?}"));
        server.addr = addr
            .parse()
            .unwrap_or_else(|_| panic!("bad address in {first:?}"));
        assert!(
            first.contains(&format!("nc {} {}", server.addr.ip(), server.addr.port())),
            "the first line gives no nc command: {first}"
        );
        server
    }

    /// Waits (up to 20 s, a wide margin for a busy machine) for a line containing `needle`.
    pub fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "no line with {needle:?} in 20 s; seen:\n{}",
                        self.seen.join("\n")
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!(
                        "the server ended before {needle:?}; seen:\n{}",
                        self.seen.join("\n")
                    )
                }
            }
        }
    }

    /// Index in `seen` of the first line containing `needle`.
    pub fn index_of(&self, needle: &str) -> usize {
        self.seen
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in:\n{}", self.seen.join("\n")))
    }

    /// Sends SIGINT (as Ctrl-C does), waits for the exit, and returns the status, the
    /// lines not yet seen, and stderr.
    pub fn interrupt(mut self) -> (ExitStatus, Vec<String>, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(sent.success(), "kill -INT {pid} failed");
        let status = self.child.wait().unwrap();
        let rest: Vec<String> = self.lines.iter().collect();
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            std::io::Read::read_to_string(&mut e, &mut stderr).unwrap();
        }
        (status, rest, stderr)
    }

    /// The server's own child processes (Linux's /proc; None elsewhere).
    pub fn children(&self) -> Option<String> {
        let pid = self.child.id();
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `n` connects to `addr` at once from this one thread (non-blocking, all started
/// before any is waited for); see [`still_connecting`].
pub fn start_connects(addr: SocketAddr, n: usize) -> Vec<std::net::TcpStream> {
    use nix::errno::Errno;
    use nix::sys::socket::{AddressFamily, SockFlag, SockType, SockaddrStorage, connect, socket};
    use std::os::fd::AsRawFd;
    let target = SockaddrStorage::from(addr);
    (0..n)
        .map(|_| {
            let fd = socket(
                AddressFamily::Inet,
                SockType::Stream,
                SockFlag::empty(),
                None,
            )
            .expect("a socket (is ulimit -n at least 1100?)");
            // Non-blocking before the connect (SOCK_NONBLOCK is Linux's; this is anyone's).
            let stream = std::net::TcpStream::from(fd);
            stream.set_nonblocking(true).unwrap();
            match connect(stream.as_raw_fd(), &target) {
                Ok(()) | Err(Errno::EINPROGRESS) => stream,
                Err(e) => panic!("connect to {addr}: {e}"),
            }
        })
        .collect()
}

/// Waits up to `within` for every connect to finish, as the kernel sees it: the handshake
/// done and the connection in the server's accept queue, whether or not the server has
/// taken it yet. Returns how many are still connecting; panics if one failed.
pub fn still_connecting(clients: &[std::net::TcpStream], within: Duration) -> usize {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use std::os::fd::AsFd;
    let deadline = Instant::now() + within;
    let mut pending: Vec<usize> = (0..clients.len()).collect();
    while !pending.is_empty() && Instant::now() < deadline {
        // Writable means connected (or failed: SO_ERROR says which).
        let mut fds: Vec<PollFd> = pending
            .iter()
            .map(|&i| PollFd::new(clients[i].as_fd(), PollFlags::POLLOUT))
            .collect();
        let left = deadline.saturating_duration_since(Instant::now());
        let ms = u16::try_from(left.as_millis()).unwrap_or(u16::MAX);
        poll(&mut fds, PollTimeout::from(ms)).expect("poll");
        let done: Vec<bool> = fds
            .iter()
            .map(|f| f.revents().is_some_and(|r| !r.is_empty()))
            .collect();
        pending = pending
            .into_iter()
            .zip(done)
            .filter_map(|(i, done)| (!done).then_some(i))
            .collect();
    }
    for (i, client) in clients.iter().enumerate() {
        if !pending.contains(&i) {
            let error = client.take_error().expect("SO_ERROR");
            assert!(error.is_none(), "client {i} did not connect: {error:?}");
        }
    }
    pending.len()
}

impl Server {
    /// Sends `signal` (STOP, CONT, ...) to the server process.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{signal} {pid} failed");
    }
}
