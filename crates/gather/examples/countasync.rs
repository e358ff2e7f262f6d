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

fn main() -> std::io::Result<()> {
    end_quietly_on_closed_pipe();
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

// ANCHOR: closed-pipe
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
// ANCHOR_END: closed-pipe
