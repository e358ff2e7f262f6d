//! The checks of sockets' exercises: `make exercise NAME=...` builds the exercise and runs
//! this with the program's path. Each check runs the program and measures it.

mod checking;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use checking::{Exercise, Verdict, failed, run};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "sockets_two_clients",
        question: "client 1 thinks 500 ms, client 2 (connected just after) 200 ms: how long \
                   does client 2 wait for its echo?",
        goal: "each client waits its own think time (+150 ms at most), with the server on ONE \
               thread",
        hints: [
            "while the thread sits in one client's read, nobody else is served: make every \
             socket non-blocking and wait for all of them at once",
            "listener.set_nonblocking(true) and stream.set_nonblocking(true); then loop: \
             nix::poll::poll over the listener and every client, and do only what poll says \
             is ready (accept, read, echo)",
        ],
        check: two_clients,
    }])
}

/// The think times of the check's two clients, in the order they connect.
const THINK_MS: [u64; 2] = [500, 200];

/// Starts the learner's server on a free port, connects two clients of its own (one after
/// the other), times each from its connect to its echo, and counts the server's threads.
/// A server that takes them in turn makes client 2 wait 700 ms; one that spawns a thread
/// per client has three threads; neither passes, whatever it prints.
fn two_clients(program: &Path) -> Verdict {
    let fail = |measured: String| Verdict {
        measured,
        passed: false,
    };
    let Ok(addr) = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) else {
        return fail("the check cannot find a free port on 127.0.0.1".into());
    };
    let program = PathBuf::from(program);
    let server = thread::spawn(move || run(&program, &[&addr.to_string()], Duration::from_secs(8)));
    let start = Instant::now();
    let mut clients = Vec::new();
    for (i, think) in THINK_MS.into_iter().enumerate() {
        let Some(stream) = connect(addr, start) else {
            let run = server.join().unwrap();
            let why = failed(&run).unwrap_or_else(|| "it never listened".into());
            return fail(format!("no server on {addr}: {why}"));
        };
        let connected = Instant::now();
        clients.push(thread::spawn(move || {
            client(stream, i + 1, think).map(|()| connected.elapsed())
        }));
    }
    let waits: Vec<Result<Duration, String>> =
        clients.into_iter().map(|c| c.join().unwrap()).collect();
    let run = server.join().unwrap();
    if let Some(why) = failed(&run) {
        return fail(why);
    }
    let mut words = Vec::new();
    let mut on_time = true;
    for (i, (wait, think)) in waits.iter().zip(THINK_MS).enumerate() {
        match wait {
            Ok(wait) => {
                let ms = wait.as_secs_f64() * 1e3;
                on_time &= ms < (think + 150) as f64;
                words.push(format!(
                    "client {} (thinks {think} ms) waited {ms:.0} ms",
                    i + 1
                ));
            }
            Err(e) => return fail(format!("client {}: {e}", i + 1)),
        }
    }
    let threads = run.peak_threads;
    let one_thread = threads == 1 || cfg!(not(target_os = "linux"));
    Verdict {
        measured: format!(
            "{}; the server had {threads} thread(s) at most",
            words.join(", ")
        ),
        passed: on_time && one_thread,
    }
}

/// Connects to the server, retrying while it starts (3 s at most from `start`).
fn connect(addr: SocketAddr, start: Instant) -> Option<TcpStream> {
    loop {
        match TcpStream::connect(addr) {
            Ok(stream) => return Some(stream),
            Err(_) if start.elapsed() < Duration::from_secs(3) => {
                thread::sleep(Duration::from_millis(10));
            }
            Err(_) => return None,
        }
    }
}

/// One client: wait for "ready", think, send a line, and check it comes back.
fn client(stream: TcpStream, n: usize, think_ms: u64) -> Result<(), String> {
    let io = |e: std::io::Error| e.to_string();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(io)?;
    let mut reader = BufReader::new(stream.try_clone().map_err(io)?);
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .map_err(|e| format!("no \"ready\" from the server: {e}"))?;
    if line != "ready\n" {
        return Err(format!("the server said {line:?}, not \"ready\""));
    }
    thread::sleep(Duration::from_millis(think_ms));
    let hello = format!("hello from client {n}\n");
    (&stream).write_all(hello.as_bytes()).map_err(io)?;
    line.clear();
    reader
        .read_line(&mut line)
        .map_err(|e| format!("no echo from the server: {e}"))?;
    if line != hello {
        return Err(format!("the echo was {line:?}, not {hello:?}"));
    }
    Ok(())
}
