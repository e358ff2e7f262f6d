//! A solution: the records come from a Stream the consumer pulls (`stream::unfold`), so a
//! record is made only when the consumer asks for the next one: one at a time in memory.
//!
//!     cargo run -p async-iterators --example async_iterators_pile_up_solution

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
        // The producer is the stream: its body runs when the consumer calls .next().
        let mut records = Box::pin(stream::unfold(0, |i| async move {
            (i < RECORDS).then(|| (record(i), i + 1))
        }));
        let mut sum = 0u64;
        while let Some(r) = records.next().await {
            sum += u64::from(r[0]);
            tokio::time::sleep(Duration::from_millis(1)).await; // the slow consumer
        }
        println!("consumed {RECORDS} records, checksum {sum}");
    });
}
