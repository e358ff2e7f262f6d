//! The notes' countasync.py in Rust: three `count()` coroutines gathered on ONE thread.
//! Each prints "One", sleeps a second, prints "Two". Because the sleep is awaited, the
//! thread runs the other coroutines meanwhile: One One One, Two Two Two, in about 1.00 s.
//!
//!     cargo run -p gather --example countasync

use std::time::{Duration, Instant};

async fn count() {
    println!("One");
    // `.await` hands the thread back to the runtime until the timer fires; a
    // std::thread::sleep here would hold it, and the three sleeps would add up to 3 s.
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("Two");
}

async fn gathered() {
    // asyncio.gather: poll all three on this one thread until every one has finished.
    tokio::join!(count(), count(), count());
}

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    let start = Instant::now();
    // asyncio.run: a runtime with one thread (the caller's) and a timer.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    runtime.block_on(gathered());
    let elapsed = start.elapsed().as_secs_f64();
    println!("{} executed in {elapsed:0.2} seconds.", file!());
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
