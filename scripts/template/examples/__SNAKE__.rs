//! TODO: the notes' program for this idea, in Rust, 20 to 80 lines. This scaffold asks
//! the OS for a 100 ms sleep and prints how long it really took: never less.
//!
//!     cargo run -p __NAME__ --example __SNAKE__

use std::time::{Duration, Instant};

fn main() {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    println!("sleeping 100 ms");
    let start = Instant::now();
    // The thread gives up the CPU; the OS wakes it when the time is up, never before.
    std::thread::sleep(Duration::from_millis(100));
    println!("slept {:.1} ms", start.elapsed().as_secs_f64() * 1e3);
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
