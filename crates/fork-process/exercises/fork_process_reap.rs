//! Your turn: three children forked, and never reaped.
//!
//! Predict first: the parent forks three children that each compute for a moment (some
//! 30 ms of CPU) and exit, then goes on with its own work for 500 ms. While it does, what
//! are the three children: still running, gone, or something else? (Look, while it runs:
//! `ps -o pid,stat,cmd --ppid <the parent's pid>`.)
//!
//! Then reap each child with `waitpid` before the parent's own work, so none is left
//! behind as a zombie, and print how each one ended (its exit status). Check it:
//! `make exercise NAME=fork_process_reap` (it watches the children in /proc, and counts
//! the CPU time of the children the program reaped). Run it as it is:
//! `cargo run -p fork-process --example fork_process_reap`.

use std::time::Duration;

use nix::unistd::{ForkResult, fork};

fn main() {
    let mut children = Vec::new();
    for k in 1..=3 {
        // SAFETY: this program is single-threaded, and the child runs only a loop, then
        // exits: it touches no lock and no state the fork could have left half-changed.
        match unsafe { fork() }.expect("fork a child") {
            ForkResult::Child => {
                let mut x = 0u64;
                for i in 0..30_000_000u64 {
                    x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i)); // CPU work
                }
                std::process::exit(k); // its exit status, kept until a parent asks
            }
            ForkResult::Parent { child } => children.push(child),
        }
    }
    println!("parent {}: forked {children:?}", std::process::id());
    std::thread::sleep(Duration::from_millis(500)); // the parent's own work
    println!("parent: done");
}
