//! A solution to `fork_process_reap`: the parent waits for each child with waitpid, which
//! collects its exit status and removes it from the process table: no zombie is left.

use std::time::Duration;

use nix::sys::wait::waitpid;
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
    for child in children {
        let status = waitpid(child, None).expect("waitpid"); // blocks until it has ended
        println!("child {child}: {status:?}"); // Exited(pid, k): reaped, gone for good
    }
    std::thread::sleep(Duration::from_millis(500)); // the parent's own work
    println!("parent: done");
}
