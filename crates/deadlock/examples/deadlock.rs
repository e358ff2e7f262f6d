//! Two threads take two locks in opposite order, and hang: each holds one lock and waits
//! for the other's. A thread blocked on a Mutex cannot be woken, joined or cancelled, so
//! main only watches: past a deadline it says who holds what, and returns. Returning from
//! main ends the process, and the two stuck threads with it.
//!
//!     cargo run -p deadlock --example deadlock

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    let a = Arc::new(Mutex::new(0));
    let b = Arc::new(Mutex::new(0));
    let mut threads = Vec::new();
    for (me, first, second) in [("thread 1", &a, &b), ("thread 2", &b, &a)] {
        let (first, second) = (Arc::clone(first), Arc::clone(second));
        threads.push(thread::Builder::new().name(me.into()).spawn(move || {
            let mut one = first.lock().unwrap(); // thread 1 takes A, thread 2 takes B
            thread::sleep(Duration::from_millis(100)); // work while holding it
            let mut two = second.lock().unwrap(); // each waits for the other's: forever
            *one += 1;
            *two += 1;
        })?);
    }
    println!("thread 1 takes A then B; thread 2 takes B then A");
    let start = Instant::now();
    // The watchdog: a deadline, not a join (a join would wait forever).
    while !threads.iter().all(|t| t.is_finished()) {
        if start.elapsed() > Duration::from_secs(1) {
            println!("after 1 s neither has finished: thread 1 holds A and waits for B,");
            println!("thread 2 holds B and waits for A: a deadlock");
            return Ok(()); // the process ends, and the stuck threads with it
        }
        thread::sleep(Duration::from_millis(10));
    }
    println!("both finished (the timing was lucky)");
    Ok(())
}

// ANCHOR: output-hook
/// Output that cannot be written ends the program: quietly when the reader closed the pipe
/// (`program | head`), with one `error:` line and status 1 otherwise (a full disk).
fn exit_when_output_fails() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.to_string();
        let Some((_, why)) = message.split_once("failed printing to stdout: ") else {
            return default_hook(info);
        };
        if why.contains("Broken pipe") {
            std::process::exit(0);
        }
        let why = why.split(" (os error").next().unwrap_or(why);
        eprintln!("error: cannot write the output ({why}); free some space or write elsewhere");
        std::process::exit(1);
    }));
}
// ANCHOR_END: output-hook
