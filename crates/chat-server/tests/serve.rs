//! `--serve` and the minimal program as servers for your own clients: lines reach the
//! others, never the sayer; Ctrl-C ends them cleanly; and a burst of 1,000 clients at once
//! fits the listen queue of 1,024 (the kernel's overflow count does not grow).

mod common;
mod local;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use local::Server;

fn join(server: &Server) -> (BufReader<TcpStream>, TcpStream) {
    let s = TcpStream::connect(server.addr).expect("connects to the server");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    (BufReader::new(s.try_clone().unwrap()), s)
}

/// A client whose receive buffer is 4 KiB, set before it connects: the kernel then holds
/// only a few lines for it, so a client that never reads fills its buffers after some tens
/// of lines, whatever the machine's defaults (loopback buffers can otherwise grow to
/// megabytes and hide the stall for the whole test).
fn join_small(server: &Server) -> (BufReader<TcpStream>, TcpStream) {
    use nix::sys::socket::{
        AddressFamily, SockFlag, SockType, SockaddrStorage, connect, setsockopt, socket, sockopt,
    };
    use std::os::fd::AsRawFd;
    let fd = socket(
        AddressFamily::Inet,
        SockType::Stream,
        SockFlag::empty(),
        None,
    )
    .unwrap();
    setsockopt(&fd, sockopt::RcvBuf, &4096).unwrap();
    connect(fd.as_raw_fd(), &SockaddrStorage::from(server.addr)).expect("connects");
    let s = TcpStream::from(fd);
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    (BufReader::new(s.try_clone().unwrap()), s)
}

fn line(reader: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).expect("a line from the server");
    line
}

#[test]
fn serve_passes_a_line_to_the_others_and_stops_cleanly_on_ctrl_c() {
    let mut server = Server::start(&[]);
    let (mut a_in, mut a) = join(&server);
    assert!(line(&mut a_in).starts_with("welcome, you are #1"));
    let (mut b_in, _b) = join(&server);
    assert!(line(&mut b_in).starts_with("welcome, you are #2"));
    server.wait_for("#2 joined");
    a.write_all(b"hello\n").unwrap();
    assert_eq!(line(&mut b_in), "#1: hello\n");
    server.wait_for("#1 said \"hello\": sent into the channel for the 1 other(s)");
    // The sayer does not get its own line back.
    a.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0u8; 16];
    assert!(
        a_in.read(&mut buf).is_err(),
        "the sayer got its own line back"
    );
    let addr = server.addr;
    let (status, rest, stderr) = server.interrupt();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
    let last = rest.last().cloned().unwrap_or_default();
    assert!(
        last.starts_with("stopped by SIGINT: 2 client(s) joined, 1 line(s) said"),
        "{last}"
    );
    assert!(last.contains("2 still connected and now closed"), "{last}");
    assert!(
        TcpStream::connect(addr).is_err(),
        "{addr} still accepts after the exit"
    );
    assert_eq!(line(&mut b_in), "", "the server closed our socket");
}

#[test]
fn serve_drops_a_client_that_stops_reading_and_the_others_go_on() {
    let mut server = Server::start(&["--patience-ms", "300"]);
    let (mut stuck_in, _stuck) = join_small(&server);
    line(&mut stuck_in); // its greeting; it never reads again
    let (mut sayer_in, mut sayer) = join(&server);
    line(&mut sayer_in);
    let (mut reader, _r) = join(&server);
    line(&mut reader);
    server.wait_for("#3 joined");
    // One line at a time, each once the reader has the one before: far more than the
    // stuck client's buffers hold, and never so fast that anyone lags.
    let text = "x".repeat(1000);
    for i in 0..2000 {
        sayer.write_all(format!("{i} {text}\n").as_bytes()).unwrap();
        assert_eq!(line(&mut reader), format!("#2: {i} {text}\n"));
    }
    server.wait_for("#1 dropped: a write to it waited past the patience");
    let (status, rest, _) = server.interrupt();
    assert_eq!(status.code(), Some(0));
    let last = rest.last().cloned().unwrap_or_default();
    assert!(
        last.contains("2000 line(s) said") && last.contains("1 dropped"),
        "{last}"
    );
}

#[test]
fn the_minimal_program_passes_alices_line_to_bob_and_carol() {
    let out = Command::new(common::example("chatroom")).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("chat on 127.0.0.1:"), "{stdout}");
    assert_eq!(
        lines[1..],
        [
            "bob got: #1: hello from alice",
            "carol got: #1: hello from alice"
        ]
    );
}

#[test]
fn the_minimal_program_ends_quietly_on_a_closed_pipe() {
    let (line, status, stderr) =
        common::first_line_then_close(Command::new(common::example("chatroom")));
    assert!(line.starts_with("chat on"), "{line}");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
}

/// 1,000 clients connect at once while the server is frozen (SIGSTOP), so all of them sit
/// in its listen queue together; the kernel's overflow count must not grow (one clean
/// burst in three: the count is the whole machine's), and every client is greeted.
#[cfg(target_os = "linux")]
#[test]
fn a_burst_of_1000_clients_fits_the_listen_queue() {
    let server = Server::start(&[]);
    let mut grew = Vec::new();
    for _ in 0..3 {
        server.signal("STOP");
        let before = common::listen_overflows();
        let clients = local::start_connects(server.addr, 1000);
        let waiting = local::still_connecting(&clients, Duration::from_secs(20));
        let after = common::listen_overflows();
        server.signal("CONT");
        assert_eq!(waiting, 0, "connects still unfinished");
        for client in &clients {
            client.set_nonblocking(false).unwrap();
            client
                .set_read_timeout(Some(Duration::from_secs(30)))
                .unwrap();
            let mut greeting = String::new();
            BufReader::new(client).read_line(&mut greeting).unwrap();
            assert!(greeting.starts_with("welcome, you are #"), "{greeting:?}");
        }
        match before.zip(after) {
            None => return println!("no /proc/net/netstat: skipped the listen-overflow check"),
            Some((b, a)) if a == b => return,
            Some((b, a)) => grew.push(a - b),
        }
    }
    panic!("the listen queue overflowed in each of three bursts of 1000: {grew:?}");
}
