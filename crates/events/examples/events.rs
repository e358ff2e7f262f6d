//! asyncio.Event in tokio: five tasks wait for one event; one call releases them all. Then
//! the lost wake-up: a Notify signalled before anyone waits wakes nobody, while a watch,
//! like asyncio's Event.set(), stays set for whoever comes later.
//!
//!     cargo run -p events --example events

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::time::{sleep, timeout};

#[tokio::main(flavor = "current_thread")] // one thread for every task below
async fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    let event = Arc::new(Notify::new());
    let mut waiters = Vec::new();
    for i in 1..=5 {
        let event = event.clone();
        waiters.push(tokio::spawn(async move {
            event.notified().await; // waits, without a thread of its own
            println!("waiter {i} released");
        }));
    }
    sleep(Duration::from_millis(100)).await; // all five are waiting now
    println!("set the event");
    event.notify_waiters(); // wakes every task waiting: one call, five released
    for waiter in waiters {
        waiter.await?;
    }

    // Signalled before anyone waits: Notify forgets, a watch remembers.
    let late = Notify::new();
    late.notify_waiters(); // nobody waits yet: this wake-up is lost
    let woke = timeout(Duration::from_millis(200), late.notified())
        .await
        .is_ok();
    println!("a latecomer on notify_waiters(): woke = {woke}");
    let (set, mut seen) = watch::channel(false);
    set.send_replace(true); // like Event.set(): it stays set
    let woke = timeout(Duration::from_millis(200), seen.wait_for(|on| *on))
        .await
        .is_ok();
    println!("a latecomer on a watch set to true: woke = {woke}");
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
