//! The checks of cancellation's exercises: `make exercise NAME=...` builds the exercise and
//! runs this with the program's path. Each check runs the program and measures it.

mod checking;

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use checking::{Exercise, Verdict, failed, run};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "cancellation_stop_the_download",
        question: "the program gives up after 300 ms: how long does the server keep sending?",
        goal: "the connection closed 250 to 450 ms after it opened, the program running on",
        hints: [
            "a timeout around a JoinHandle drops the handle, not the task: the download runs on",
            "put the timeout around the download(...) future itself, or keep the handle and \
             abort() it when the time is up",
        ],
        check: stop_the_download,
    }])
}

/// What the check's server saw of the connection, in ms from when it opened.
#[derive(Clone, Copy, Debug)]
struct Seen {
    opened_at: f64,
    chunks: u32,
    closed_after: f64,
    by_client: bool,
}

/// A server on 127.0.0.1 that sends a 1,000-byte chunk every 20 ms for one second, and
/// notices when the client closes the connection (a read that returns 0).
fn server(start: Instant) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let addr = listener.local_addr().expect("its address").to_string();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let shared = Arc::clone(&seen);
    thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let seen = Arc::clone(&shared);
            thread::spawn(move || {
                let opened = Instant::now();
                let this = send(conn, opened.duration_since(start), opened);
                seen.lock().unwrap().push(this);
            });
        }
    });
    (addr, seen)
}

fn send(mut conn: TcpStream, opened_at: Duration, opened: Instant) -> Seen {
    let ms = |at: Instant| at.duration_since(opened).as_secs_f64() * 1e3;
    let mut seen = Seen {
        opened_at: opened_at.as_secs_f64() * 1e3,
        chunks: 0,
        closed_after: 0.0,
        by_client: false,
    };
    let mut buf = [0u8; 64];
    for n in 1..=50 {
        // The 20 ms between chunks are spent reading: a read that returns 0 is the close.
        let due = opened + Duration::from_millis(20 * n);
        while Instant::now() < due {
            let left = due
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1));
            let _ = conn.set_read_timeout(Some(left));
            match conn.read(&mut buf) {
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Ok(0) | Err(_) => {
                    (seen.closed_after, seen.by_client) = (ms(Instant::now()), true);
                    return seen;
                }
                Ok(_) => {}
            }
        }
        if conn.write_all(&[b'x'; 1000]).is_err() {
            (seen.closed_after, seen.by_client) = (ms(Instant::now()), true);
            return seen;
        }
        seen.chunks = n as u32;
    }
    seen.closed_after = ms(Instant::now());
    seen
}

/// Runs the program against the check's server and reads when the connection closed.
fn stop_the_download(program: &Path) -> Verdict {
    let start = Instant::now();
    let (addr, seen) = server(start);
    let run = run(program, &[&addr], Duration::from_secs(10));
    if let Some(why) = failed(&run) {
        return Verdict {
            measured: why,
            passed: false,
        };
    }
    let ended_ms = run.elapsed.as_secs_f64() * 1e3;
    thread::sleep(Duration::from_millis(100)); // the server's thread may still be noting it
    let seen = seen.lock().unwrap().clone();
    let [s] = seen[..] else {
        return Verdict {
            measured: format!(
                "the server saw {} connections, not one download",
                seen.len()
            ),
            passed: false,
        };
    };
    let who = if s.by_client {
        "the program closed it"
    } else {
        "the server finished sending"
    };
    let ran_on = ended_ms - s.opened_at - s.closed_after;
    Verdict {
        measured: format!(
            "the download went on {:.0} ms ({} chunks) and {who}; the program ran {ran_on:.0} ms more",
            s.closed_after, s.chunks
        ),
        passed: s.by_client && (250.0..450.0).contains(&s.closed_after) && ran_on > 600.0,
    }
}
