//! A solution to `multitasking_yield`: the busy task awaits `yield_now()` after every
//! chunk, so the runtime can poll the ticker between chunks; still one thread.

use std::hint::black_box;
use std::time::Duration;

use tokio::time::Instant;

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
        x = chunk(x, c);
        tokio::task::yield_now().await; // back to the runtime: a due tick runs now
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
