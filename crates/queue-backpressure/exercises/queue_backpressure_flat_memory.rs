//! Your turn: a fast producer, a slow consumer, and an unbounded queue between them.
//!
//! Predict first: 300 items of 256 KiB each, one consumer taking 1 ms an item. How much
//! memory will the program hold at its peak?
//!
//! Then make its memory stay flat, a few items' worth, however many items there are:
//! every item still goes through the queue, and the consumer still takes its time on each.
//! Check it: `make exercise NAME=queue_backpressure_flat_memory` (it measures the
//! process's peak memory from /proc and checks every item arrived). Run it as it is:
//! `cargo run -p queue-backpressure --example queue_backpressure_flat_memory -- 300 256 7`.

use std::time::Duration;

use tokio::sync::mpsc;

async fn run(items: usize, kib: usize, seed: usize) -> (usize, usize) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let producer = async move {
        for i in 0..items {
            let payload = vec![((seed + i) % 255 + 1) as u8; kib * 1024];
            tx.send(payload).expect("the consumer is gone");
        }
    }; // the sender is dropped here: the consumer's recv() then ends with None
    let consumer = async move {
        let (mut taken, mut checksum) = (0, 0);
        while let Some(payload) = rx.recv().await {
            taken += 1;
            checksum +=
                payload.len() + usize::from(payload[0]) + usize::from(payload[payload.len() - 1]);
            tokio::time::sleep(Duration::from_millis(1)).await; // the slow work
        }
        (taken, checksum)
    };
    tokio::join!(producer, consumer).1
}

fn main() {
    // Arguments: items, KiB per item, a seed for the payloads (default 300, 256, 7).
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a number"))
        .collect();
    let arg = |i: usize, default| args.get(i).copied().unwrap_or(default);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    let (taken, checksum) = runtime.block_on(run(arg(0, 300), arg(1, 256), arg(2, 7)));
    println!("consumed {taken} items, checksum {checksum}");
}
