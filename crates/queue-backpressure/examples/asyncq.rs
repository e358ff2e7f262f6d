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

type Error = Box<dyn std::error::Error>;

async fn produce(queue: mpsc::Sender<u32>, start: Instant) -> Result<(), Error> {
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

async fn main_async() -> Result<(), Error> {
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

fn main() -> Result<(), Error> {
    end_quietly_on_closed_pipe();
    // One thread and a timer, as asyncio.run gives.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    runtime.block_on(main_async())
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
