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
fn serve_drops_a_client_that_stops_reading() {
    let mut server = Server::start(&["--patience-ms", "300"]);
    let (mut stuck_in, _stuck) = join(&server);
    line(&mut stuck_in);
    let (mut sayer_in, mut sayer) = join(&server);
    line(&mut sayer_in);
    server.wait_for("#2 joined");
    // Far more than the stuck client's buffers hold; it never reads.
    let text = format!("{}\n", "x".repeat(1000));
    for _ in 0..2000 {
        if sayer.write_all(text.as_bytes()).is_err() {
            break;
        }
    }
    server.wait_for("#1 dropped: a write to it waited past the patience");
    drop(server);
}

#[test]
fn the_minimal_program_is_a_chat_room() {
    let mut cmd = Command::new(common::example("chatroom"));
    cmd.env_remove("RUST_BACKTRACE");
    let mut server = Server::start_command(cmd);
    let (mut a_in, mut a) = join(&server);
    let (mut b_in, _b) = join(&server);
    server.wait_for("client #2 joined");
    a.write_all(b"hi there\n").unwrap();
    assert_eq!(line(&mut b_in), "#1: hi there\n");
    a.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0u8; 16];
    assert!(
        a_in.read(&mut buf).is_err(),
        "the sayer got its own line back"
    );
    let (status, _, stderr) = server.interrupt();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn the_minimal_program_ends_quietly_on_a_closed_pipe() {
    use std::process::Stdio;
    let mut child = Command::new(common::example("chatroom"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap(); // reader dropped
    let port: u16 = first.trim().rsplit(' ').next().unwrap().parse().unwrap();
    let _client = TcpStream::connect(("127.0.0.1", port)).unwrap(); // its next line fails
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
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
