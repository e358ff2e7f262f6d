//! The checks of gil's exercises: `make exercise NAME=...` builds the exercise and runs
//! this with the program's path. Each check runs the program and measures it.

mod checking;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use checking::{Exercise, Verdict, failed, run};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "gil_release_for_io",
        question: "four threads each wait 200 ms for a reply, holding the GIL: how long do the four take?",
        goal: "all 4 requests in flight at once, in under 400 ms (two waits)",
        hints: [
            "a thread that waits while holding the GIL makes every other thread wait too: let go of it around the request",
            "drop the guard before ask(...), then lock GIL again to push the reply: Python's Py_BEGIN/END_ALLOW_THREADS",
        ],
        check: release_for_io,
    }])
}

/// The requests go to a server of the check's own, which replies after 200 ms and counts
/// how many requests it holds at once: a program that waits in turn cannot pass (one at
/// a time, 800 ms), nor one that skips the requests (none served).
fn release_for_io(program: &Path) -> Verdict {
    let listener = TcpListener::bind("127.0.0.1:0").expect("the check listens on loopback");
    let address = listener.local_addr().unwrap().to_string();
    let (now, most, served) = (counter(), counter(), counter());
    {
        let (now, most, served) = (now.clone(), most.clone(), served.clone());
        thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let (now, most, served) = (now.clone(), most.clone(), served.clone());
                thread::spawn(move || {
                    let mut line = String::new();
                    let _ = BufReader::new(&stream).read_line(&mut line);
                    most.fetch_max(now.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                    thread::sleep(Duration::from_millis(200));
                    now.fetch_sub(1, Ordering::SeqCst);
                    if stream
                        .write_all(format!("reply to {line}").as_bytes())
                        .is_ok()
                    {
                        served.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
    }
    let run = run(program, &[&address], Duration::from_secs(20));
    if let Some(why) = failed(&run) {
        return Verdict {
            measured: why,
            passed: false,
        };
    }
    let ms = run.elapsed.as_secs_f64() * 1e3;
    let (served, most) = (served.load(Ordering::SeqCst), most.load(Ordering::SeqCst));
    Verdict {
        measured: format!(
            "{ms:.0} ms; the server answered {served} requests, at most {most} in flight at once"
        ),
        passed: served == 4 && most == 4 && ms < 400.0,
    }
}

fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}
