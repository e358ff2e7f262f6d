//! TODO: the notes' program for this idea, in Rust, 20 to 80 lines. This scaffold asks
//! the OS for a 100 ms sleep and prints how long it really took: never less.
//!
//!     cargo run -p __NAME__ --example __SNAKE__

use std::time::{Duration, Instant};

fn main() {
    end_quietly_on_closed_pipe();
    println!("sleeping 100 ms");
    let start = Instant::now();
    // The thread gives up the CPU; the OS wakes it when the time is up, never before.
    std::thread::sleep(Duration::from_millis(100));
    println!("slept {:.1} ms", start.elapsed().as_secs_f64() * 1e3);
}

/// `program | head` closes the pipe early, and the next `println!` then panics with
/// "Broken pipe". The reader is done, the program is not wrong: end quietly, status 0.
fn end_quietly_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.to_string().contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
