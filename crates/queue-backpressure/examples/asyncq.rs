//! realpython's asyncq.py in Rust: a producer puts 12 items on a queue that holds 4, and
//! three consumers take 100 ms over each. The producer can never get more than 4 ahead:
//! `send().await` waits while the queue is full (backpressure). When the producer drops
//! its sender, each consumer's `recv()` returns `None` once the queue is empty: the
//! consumers end on their own, with no sentinel and no cancellation.
//!
//!     cargo run -p queue-backpressure --example asyncq

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, mpsc};

async fn produce(queue: mpsc::Sender<u32>, start: Instant) -> anyhow::Result<()> {
    for item in 0..12 {
        queue.send(item).await?; // waits here while 4 items are waiting
        let waiting = queue.max_capacity() - queue.capacity();
        let t = start.elapsed().as_secs_f64();
        println!("{t:.2}s producer added <{item}> ({waiting} waiting)");
    }
    println!("{:.2}s producer done", start.elapsed().as_secs_f64());
    Ok(()) // `queue` is dropped here: the signal that no more items will come
}

async fn consume(name: char, queue: Arc<Mutex<mpsc::Receiver<u32>>>, start: Instant) {
    loop {
        // Locked for the take only (the guard drops at the end of the line): all three work.
        let next = queue.lock().await.recv().await;
        let Some(item) = next else {
            return; // None: the sender is gone and the queue is empty
        };
        tokio::time::sleep(Duration::from_millis(100)).await; // the work; others run meanwhile
        println!(
            "{:.2}s consumer {name} finished <{item}>",
            start.elapsed().as_secs_f64()
        );
    }
}

async fn main_async() -> anyhow::Result<()> {
    let start = Instant::now();
    let (tx, rx) = mpsc::channel(4); // asyncio.Queue(maxsize=4)
    let rx = Arc::new(Mutex::new(rx)); // one receiver, shared by the consumers in turn
    let consumers: Vec<_> = ['a', 'b', 'c']
        .into_iter()
        .map(|name| tokio::spawn(consume(name, Arc::clone(&rx), start)))
        .collect();
    produce(tx, start).await?;
    for consumer in consumers {
        consumer.await?; // each ends by itself once the queue is closed and empty
    }
    println!(
        "Program completed in {:.2} seconds.",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    // One thread and a timer, as asyncio.run gives.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    runtime.block_on(main_async())
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
