//! A solution to `queue_backpressure_flat_memory`: a bounded channel. While 8 items
//! wait, the producer's `send(...).await` waits for a free slot, so it can never run more
//! than 8 items ahead of the consumer: the memory held is 8 items' worth, not all of them.

use std::time::Duration;

use tokio::sync::mpsc;

async fn run(items: usize, kib: usize, seed: usize) -> (usize, usize) {
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(8); // at most 8 waiting
    let producer = async move {
        for i in 0..items {
            let payload = vec![((seed + i) % 255 + 1) as u8; kib * 1024];
            tx.send(payload).await.expect("the consumer is gone"); // waits while 8 wait
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
