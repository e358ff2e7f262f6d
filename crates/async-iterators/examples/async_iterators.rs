//! `async for` over an async generator, in Rust: a Stream made with `stream::unfold`,
//! pulled with `.next().await`. Nothing runs until the first pull: the producer's steps
//! are counted before and after it, and one more step runs for each item pulled.
//!
//!     cargo run -p async-iterators --example async_iterators

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::time::Duration;

use futures::{StreamExt, stream};

fn main() {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime on this thread");
    runtime.block_on(async {
        let steps = Arc::new(AtomicU32::new(0));
        let s = steps.clone();
        // async def countdown(n): while n > 0: await sleep; yield n; n -= 1
        let countdown = stream::unfold(3u32, move |n| {
            let s = s.clone();
            async move {
                s.fetch_add(1, Relaxed); // one step of the generator's body
                tokio::time::sleep(Duration::from_millis(10)).await;
                if n == 0 { None } else { Some((n, n - 1)) } // yield n
            }
        });
        let mut countdown = std::pin::pin!(countdown);
        println!("made the stream: {} steps ran", steps.load(Relaxed));
        // async for n in countdown():
        while let Some(n) = countdown.next().await {
            println!("got {n}: {} steps ran", steps.load(Relaxed));
        }
    });
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
