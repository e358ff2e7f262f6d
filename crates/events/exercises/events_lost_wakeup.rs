//! Your turn: a task waits for a signal that may come before it is ready.
//!
//! Predict first: run as `early`, the signal comes at 100 ms and the waiter starts waiting
//! at 200 ms; run as `late`, the signal comes at 300 ms and the waiter waits from 100 ms.
//! Which run ends, and when?
//!
//! Then make both end, each as soon as the waiter has both started and been signalled
//! (early: about 200 ms; late: about 300 ms). Check it: `make exercise NAME=events_lost_wakeup`
//! (it runs both and times them from outside). Run it as it is (Ctrl-C to stop it):
//! `cargo run -p events --example events_lost_wakeup -- early`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::time::sleep;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let early = std::env::args().nth(1).as_deref() != Some("late");
    let (signal_at, ready_at) = if early { (100, 200) } else { (300, 100) };
    let start = Instant::now();
    let signal = Arc::new(Notify::new());
    let waiter = tokio::spawn({
        let signal = signal.clone();
        async move {
            sleep(Duration::from_millis(ready_at)).await; // getting ready
            signal.notified().await; // waits for the signal
            println!(
                "signalled, at {:.0} ms",
                start.elapsed().as_secs_f64() * 1e3
            );
        }
    });
    tokio::spawn(async move {
        sleep(Duration::from_millis(signal_at)).await;
        signal.notify_waiters(); // wakes the tasks waiting right now
    });
    waiter.await.unwrap(); // the program ends when the waiter does
}
