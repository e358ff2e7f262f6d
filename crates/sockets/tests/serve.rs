//! `--serve`: each server started on port 0, its address read from its first line, real
//! clients connected two at once, the echo and the event lines checked, then SIGINT:
//! exit 0, a closing line, no child process, and the port closed.

mod common;
mod local;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use local::Server;

fn connect(server: &Server) -> TcpStream {
    let s = TcpStream::connect(server.addr).expect("connects to the server");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// Sends `text` and reads until the same bytes came back.
fn echo(stream: &mut TcpStream, text: &str) {
    stream.write_all(text.as_bytes()).unwrap();
    let mut got = vec![0u8; text.len()];
    stream.read_exact(&mut got).expect("the echo comes back");
    assert_eq!(String::from_utf8_lossy(&got), text);
}

/// The end every `--serve` run must have: SIGINT, exit 0, a closing line with totals,
/// quiet stderr, no child left, nothing listening on the port any more.
fn stop_and_check(server: Server, clients: u64, reads: u64) {
    if let Some(children) = server.children() {
        assert_eq!(children.trim(), "", "the server started child processes");
    }
    let addr = server.addr;
    let (status, rest, stderr) = server.interrupt();
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert!(stderr.is_empty(), "stderr: {stderr}");
    let last = rest.last().cloned().unwrap_or_default();
    assert!(last.starts_with("stopped by SIGINT: "), "{rest:?}");
    assert!(
        last.contains(&format!(
            "{clients} client(s) connected, {reads} read(s) echoed"
        )),
        "{last}"
    );
    assert!(last.contains("every socket closed"), "{last}");
    assert!(
        TcpStream::connect(addr).is_err(),
        "{addr} still accepts connections after the exit"
    );
}

#[test]
fn blocking_server_serves_the_second_client_only_after_the_first_leaves() {
    let mut server = Server::start(&["--server", "blocking"]);
    let mut first = connect(&server);
    echo(&mut first, "one\n");
    server.wait_for("client #1: read 4 bytes, echoed \"one\\n\"");

    // The second client connects and sends while the first still holds the thread.
    let mut second = connect(&server);
    second.write_all(b"two\n").unwrap();
    server.wait_for("a new client is waiting in the accept queue");
    second
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 16];
    assert!(
        second.read(&mut buf).is_err(),
        "the second client got an echo while the first was connected"
    );

    // The first leaves: only now is the second accepted and echoed.
    drop(first);
    server.wait_for("client #1 gone");
    second
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut got = [0u8; 4];
    second.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"two\n");
    server.wait_for("client #2: read 4 bytes");
    assert!(server.index_of("client #1 gone") < server.index_of("client #2 connected"));
    drop(second);
    server.wait_for("client #2 gone");
    stop_and_check(server, 2, 2);
}

#[test]
fn nonblocking_server_serves_both_clients_at_once() {
    let mut server = Server::start(&["--server", "nonblocking"]);
    let mut first = connect(&server);
    let mut second = connect(&server);
    // Both connected and echoed while both stay connected: no one waits for anyone.
    echo(&mut first, "one\n");
    echo(&mut second, "two\n");
    echo(&mut first, "three\n");
    server.wait_for("client #1: read 6 bytes, echoed \"three\\n\"");
    assert!(server.index_of("client #2 connected") < server.index_of("client #1: read 6 bytes"));
    let wakeup = server.index_of("wake-up #1: epoll reported 1 socket(s) ready: the listener");
    assert!(wakeup < server.index_of("client #1 connected"));
    drop(first);
    drop(second);
    server.wait_for("client #1 gone");
    server.wait_for("client #2 gone");
    stop_and_check(server, 2, 3);
}

#[test]
fn poll_backend_serves_too_and_a_connected_client_is_closed_at_the_end() {
    let mut server = Server::start(&["--server", "nonblocking", "--poller", "poll"]);
    let mut client = connect(&server);
    echo(&mut client, "hello\n");
    server.wait_for("poll reported");
    let (status, rest, _) = server.interrupt();
    assert_eq!(status.code(), Some(0));
    let last = rest.last().cloned().unwrap_or_default();
    assert!(last.contains("1 still connected and now closed"), "{last}");
    // The server closed our connection: the read sees the end of the stream.
    let mut buf = [0u8; 8];
    assert_eq!(client.read(&mut buf).unwrap_or(0), 0);
}

#[test]
fn serve_rejects_both_servers_and_demo_flags() {
    for args in [
        &["--serve", "127.0.0.1:0", "--server", "both"][..],
        &["--serve", "127.0.0.1:0", "--clients", "3"],
        &["--serve", "not-an-address"],
    ] {
        let out = std::process::Command::new(local::BIN)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--serve"),
            "{args:?}"
        );
    }
}

#[test]
fn a_port_in_use_is_one_error_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = std::process::Command::new(local::BIN)
        .args(["--serve", &addr])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: cannot listen on "), "{stderr}");
}

/// A burst of 1,000 clients connecting at once while the server is busy (here: stopped
/// with SIGSTOP, so it accepts nobody until the burst is in): with std's backlog of 128
/// the accept queue overflows, the kernel drops handshakes (`TcpExtListenOverflows`
/// grows) and those clients wait out a one-second SYN retry; with the server's 1,024 all
/// of them are connected at once. The counter is the whole machine's, so another
/// program's overflow can land in a burst: one burst of three with no overflow is
/// enough, and a small backlog fails all three.
fn takes_a_burst_of_1000_clients(args: &[&str]) {
    if common::listen_overflows().is_none() {
        println!("no TcpExtListenOverflows counter here (not Linux?): skipped the burst test");
        return;
    }
    let mut dropped = Vec::new();
    for _ in 0..3 {
        let mut server = Server::start(args);
        server.signal("STOP");
        let before = common::listen_overflows().unwrap_or_default();
        let mut clients = local::start_connects(server.addr, 1000);
        let waiting = local::still_connecting(&clients, Duration::from_millis(500));
        let after = common::listen_overflows().unwrap_or_default();
        server.signal("CONT");
        if after != before || waiting > 0 {
            dropped.push(after - before);
            continue;
        }
        // Every client is connected, and the server hears from each one.
        for client in &mut clients {
            client.set_nonblocking(false).unwrap();
            client.write_all(b"burst\n").unwrap();
        }
        drop(clients);
        server.wait_for("client #1000 gone");
        return;
    }
    panic!("the listen queue overflowed in each burst of 1,000 clients: {dropped:?} dropped");
}

#[test]
fn nonblocking_server_takes_a_burst_of_1000_clients() {
    takes_a_burst_of_1000_clients(&["--server", "nonblocking"]);
}

#[test]
fn blocking_server_takes_a_burst_of_1000_clients() {
    takes_a_burst_of_1000_clients(&["--server", "blocking"]);
}
