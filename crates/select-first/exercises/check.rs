//! The checks of select-first's exercises: `make exercise NAME=...` builds the exercise and
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
        name: "select_first_stop_the_losers",
        question: "once the first answer is in, how many of the other two requests still get theirs?",
        goal: "all three asked; the two losers' connections closed within 50 ms of the first \
               answer, while the program runs on",
        hints: [
            "a spawned task runs on when nobody waits for it: race the fetch futures themselves",
            "tokio::select! over the three fetch(...) calls drops the losers, and a dropped \
             TcpStream closes its connection (or keep the JoinHandles and abort() them)",
        ],
        check: stop_the_losers,
    }])
}

/// What the check's mirror saw of one connection, in ms from the start of the run.
#[derive(Clone, Copy, Debug, Default)]
struct Seen {
    mirror: u8,
    answered_at: Option<f64>,
    closed_at: Option<f64>,
}

/// Three mirrors the check runs itself on 127.0.0.1: mirror n answers after 100, 300 or
/// 500 ms, unless the client closes the connection first, which each one notices.
fn mirrors(start: Instant) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let addr = listener.local_addr().expect("its address").to_string();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let shared = Arc::clone(&seen);
    thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let seen = Arc::clone(&shared);
            thread::spawn(move || serve(conn, start, seen));
        }
    });
    (addr, seen)
}

fn serve(mut conn: TcpStream, start: Instant, seen: Arc<Mutex<Vec<Seen>>>) {
    let ms = |at: Instant| at.duration_since(start).as_secs_f64() * 1e3;
    let mut n = [0u8];
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    if conn.read_exact(&mut n).is_err() || !(1..=3).contains(&n[0]) {
        return;
    }
    let mut this = Seen {
        mirror: n[0],
        ..Seen::default()
    };
    let due = Instant::now() + Duration::from_millis(200 * n[0] as u64 - 100);
    let mut byte = [0u8; 64];
    // Until the answer is due, a read that returns 0 is the client closing the connection.
    while this.closed_at.is_none() && Instant::now() < due {
        let _ = conn.set_read_timeout(Some(
            due.saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1)),
        ));
        match conn.read(&mut byte) {
            Ok(0) => this.closed_at = Some(ms(Instant::now())),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => this.closed_at = Some(ms(Instant::now())),
            Ok(_) => {}
        }
    }
    if this.closed_at.is_none() && write!(conn, "mirror {} answered", n[0]).is_ok() {
        this.answered_at = Some(ms(Instant::now()));
    }
    seen.lock().unwrap().push(this);
}

/// Runs the program against the check's own mirrors and reads what each mirror saw.
fn stop_the_losers(program: &Path) -> Verdict {
    let start = Instant::now();
    let (addr, seen) = mirrors(start);
    let run = run(program, &[&addr], Duration::from_secs(10));
    if let Some(why) = failed(&run) {
        return Verdict {
            measured: why,
            passed: false,
        };
    }
    let ended_ms = start.elapsed().as_secs_f64() * 1e3 - 100.0; // run() waits 100 ms after the exit
    thread::sleep(Duration::from_millis(200)); // a mirror thread may still be writing its note
    let mut seen = seen.lock().unwrap().clone();
    seen.sort_by_key(|s| s.mirror);
    let mirrors: Vec<u8> = seen.iter().map(|s| s.mirror).collect();
    if mirrors != [1, 2, 3] {
        return Verdict {
            measured: format!("the mirrors were asked {mirrors:?}, not each of 1, 2 and 3 once"),
            passed: false,
        };
    }
    let Some(first) = seen[0].answered_at else {
        return Verdict {
            measured: "mirror 1 never got to answer: its connection closed first".into(),
            passed: false,
        };
    };
    let losers: Vec<String> = seen[1..]
        .iter()
        .map(|s| match (s.answered_at, s.closed_at) {
            (Some(at), _) => format!("mirror {} answered at {at:.0} ms", s.mirror),
            (_, Some(at)) => format!(
                "mirror {} closed {:.0} ms after the first answer",
                s.mirror,
                at - first
            ),
            _ => format!("mirror {}: no end seen", s.mirror),
        })
        .collect();
    let stopped = seen[1..]
        .iter()
        .all(|s| s.closed_at.is_some_and(|at| at - first < 50.0));
    let ran_on = ended_ms - first;
    Verdict {
        measured: format!(
            "first answer at {first:.0} ms; {}; the program ended {ran_on:.0} ms after the first answer",
            losers.join(", ")
        ),
        passed: stopped && ran_on > 400.0,
    }
}
