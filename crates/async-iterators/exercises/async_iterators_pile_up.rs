//! Your turn: the producer runs ahead and memory piles up.
//!
//! A producer task makes 300 records of 256 KiB each and sends them into an UNBOUNDED
//! channel; the consumer takes 1 ms per record. Predict first: how much memory does the
//! process hold at its peak, and why?
//!
//! Then make the consumer pull: the producer makes a record only when the consumer asks
//! for the next (a Stream: `futures::stream::unfold`), or at most a few ahead (a bounded
//! channel). Every record must still be made and consumed, at the consumer's pace. Check
//! it: `make exercise NAME=async_iterators_pile_up` (it measures the process's peak
//! memory, and its time). Run it as it is:
//! `cargo run -p async-iterators --example async_iterators_pile_up`.

use std::time::Duration;

use futures::{StreamExt, stream};

const RECORDS: usize = 300;
const SIZE: usize = 256 * 1024;

/// One record: 256 KiB, every page written, so it really takes memory.
fn record(i: usize) -> Vec<u8> {
    vec![(i % 251) as u8 + 1; SIZE]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime on this thread");
    runtime.block_on(async {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            for i in 0..RECORDS {
                let _ = tx.send(record(i)); // never waits: the records pile up
                tokio::task::yield_now().await;
            }
        });
        let mut records = Box::pin(stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|r| (r, rx))
        }));
        let mut sum = 0u64;
        while let Some(r) = records.next().await {
            sum += u64::from(r[0]);
            tokio::time::sleep(Duration::from_millis(1)).await; // the slow consumer
        }
        println!("consumed {RECORDS} records, checksum {sum}");
    });
}
