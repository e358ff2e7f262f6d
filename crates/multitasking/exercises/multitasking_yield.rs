//! Your turn: a task that never yields.
//!
//! Predict first: on ONE thread, a ticker wants to print a tick every 50 ms, 12 times;
//! beside it a busy task mixes 60 chunks of work (about 6 ms each). How late will the
//! worst tick be?
//!
//! Then make the busy task hand the thread back between chunks, so the ticker keeps time,
//! still on one thread and with the same work done. Check it:
//! `make exercise NAME=multitasking_yield` (it times each tick as it arrives, checks the
//! work's result, and counts the program's threads and its CPU from /proc). Run it as it is:
//! `cargo run -p multitasking --example multitasking_yield`.

use std::hint::black_box;
use std::time::Duration;

use tokio::time::Instant;

/// One chunk of work: about 6 ms of arithmetic, each step needing the one before.
fn chunk(mut x: u64, c: u64) -> u64 {
    for s in 0..black_box(3_000_000u64) {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(s ^ c);
        x ^= x >> 29;
    }
    x
}

async fn busy() -> u64 {
    let mut x = 1;
    for c in 0..60 {
        x = chunk(x, c); // no .await in this loop: nobody else runs until it ends
    }
    x
}

async fn ticker(start: Instant) {
    for k in 1..=12 {
        tokio::time::sleep_until(start + Duration::from_millis(50 * k)).await;
        println!("tick {k}");
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let ticks = tokio::spawn(ticker(Instant::now()));
        let work = tokio::spawn(busy()).await.unwrap();
        ticks.await.unwrap();
        println!("work: {work:016x}");
    });
}
