//! A solution to `process_thread_identity_named_workers`: one named thread per worker, all
//! started before any is joined, and every one joined before the program goes on.

use std::thread;
use std::time::{Duration, Instant};

fn work(k: usize) {
    thread::sleep(Duration::from_millis(300));
    println!("worker {k} done");
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(4);
    let start = Instant::now();
    let workers: Vec<_> = (1..=n)
        .map(|k| {
            thread::Builder::new()
                .name(format!("worker-{k}")) // the name the OS shows in /proc/PID/task/TID/comm
                .spawn(move || work(k))
                .expect("cannot start a thread")
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker panicked"); // its thread is gone once join returns
    }
    println!("{n} workers done in {:.2} s", start.elapsed().as_secs_f64());
    thread::sleep(Duration::from_millis(300));
}
