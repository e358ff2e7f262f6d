//! `--serve` on the loop from scratch and on tokio: started on port 0, its address read
//! from its first line, two real clients connected at once and both echoed while both
//! stay connected, `--narrate` showing the loop's decisions, then SIGINT: exit 0, a closing
//! line, no child process, and the port closed.

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

/// Two clients at once, in an order only a server that serves both at once can follow.
fn two_clients_at_once(server: &mut Server) {
    let mut first = connect(server);
    let mut second = connect(server);
    echo(&mut first, "one\n");
    echo(&mut second, "two\n");
    echo(&mut first, "three\n");
    server.wait_for("client #1: read 6 bytes, echoed \"three\\n\"");
    assert!(server.index_of("client #2 connected") < server.index_of("client #1: read 6 bytes"));
    drop(first);
    server.wait_for("client #1 gone (1 still connected)");
    echo(&mut second, "four\n");
    drop(second);
    server.wait_for("client #2 gone (0 still connected)");
}

fn stop_and_check(server: Server, reads: u64) -> Vec<String> {
    if let Some(children) = server.children() {
        assert_eq!(children.trim(), "", "the server started child processes");
    }
    let addr = server.addr;
    let (status, rest, stderr) = server.interrupt();
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert!(stderr.is_empty(), "stderr: {stderr}");
    let last = rest.last().cloned().unwrap_or_default();
    assert!(last.starts_with("stopped by SIGINT: "), "{rest:?}");
    let counts = format!("2 client(s) connected, {reads} read(s) echoed");
    assert!(last.contains(&counts), "{last}");
    assert!(last.contains("every socket closed"), "{last}");
    assert!(
        TcpStream::connect(addr).is_err(),
        "{addr} still accepts connections after the exit"
    );
    rest
}

#[test]
fn scratch_loop_serves_two_clients_at_once_and_narrates_its_decisions() {
    let mut server = Server::start(&["--narrate"]);
    assert!(
        server.seen[0].contains("the loop from scratch"),
        "{:?}",
        server.seen
    );
    two_clients_at_once(&mut server);
    // The trace: a client's task parked on its socket, later woken by it, polled again.
    let parked = server.index_of("task 2 (client #1) pending on fd");
    let woken = server.index_of("woke task 2 (client #1): fd");
    assert!(parked < woken, "{}", server.seen.join("\n"));
    let polled_again = server.seen[woken..]
        .iter()
        .any(|l| l.contains("polled task 2 (client #1)"));
    assert!(polled_again, "{}", server.seen.join("\n"));
    let rest = stop_and_check(server, 4);
    assert!(
        rest.iter().any(|l| l.contains("woke task 1 (ctrl-c)")),
        "{rest:?}"
    );
    assert!(
        rest.iter()
            .any(|l| l.contains("shutdown: dropping 1 task(s)")),
        "{rest:?}"
    );
}

#[test]
fn tokio_serves_the_same_protocol() {
    let mut server = Server::start(&["--runtime", "tokio"]);
    assert!(
        server.seen[0].contains("tokio current_thread"),
        "{:?}",
        server.seen
    );
    two_clients_at_once(&mut server);
    stop_and_check(server, 4);
}

#[test]
fn a_client_still_connected_is_closed_at_the_end() {
    let mut server = Server::start(&[]);
    let mut client = connect(&server);
    echo(&mut client, "hello\n");
    server.wait_for("client #1: read 6 bytes");
    let (status, rest, _) = server.interrupt();
    assert_eq!(status.code(), Some(0));
    let last = rest.last().cloned().unwrap_or_default();
    assert!(last.contains("1 still connected and now closed"), "{last}");
    let mut buf = [0u8; 8];
    assert_eq!(
        client.read(&mut buf).unwrap_or(0),
        0,
        "the connection is closed"
    );
}

#[test]
fn a_port_in_use_is_one_error_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    for runtime in ["scratch", "tokio"] {
        let out = std::process::Command::new(local::BIN)
            .args(["--serve", &addr, "--runtime", runtime])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{runtime}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("error: cannot listen on "), "{stderr}");
    }
}

/// A burst of 1,000 clients connecting at once while the server is busy (here: stopped
/// with SIGSTOP, so it accepts nobody until the burst is in): with std's backlog of 128
/// the accept queue overflows, the kernel drops handshakes (`TcpExtListenOverflows`
/// grows) and those clients wait out a one-second SYN retry; with 1,024 (the scratch
/// loop's listener, and tokio's own) all of them are connected at once. The counter is the
/// whole machine's, so another program's overflow can land in a burst: one burst of three
/// with no overflow is enough, and a small backlog fails all three.
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
        // Every client is connected, and each gets its own echo task.
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
fn scratch_loop_takes_a_burst_of_1000_clients() {
    takes_a_burst_of_1000_clients(&["--runtime", "scratch"]);
}

#[test]
fn tokio_takes_a_burst_of_1000_clients() {
    takes_a_burst_of_1000_clients(&["--runtime", "tokio"]);
}
