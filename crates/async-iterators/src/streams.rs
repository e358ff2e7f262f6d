//! Streams made by hand: the Counter of part one (`impl Stream`), and the async producer of
//! parts one and two: a spawned task sending into a channel, read
//! as a Stream with `unfold` (what tokio-stream's ReceiverStream does), bounded or not.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::task::{Context as TaskContext, Poll};

use futures::{Stream, stream};
use tokio::time::Instant;

// ANCHOR: hand
/// A hand-written Stream: `poll_next` is `__anext__`. It counts `1..=n`, and every step
/// it takes is counted in `steps`, so we can see when it runs.
pub struct Counter {
    pub next: u64,
    pub n: u64,
    pub steps: Arc<AtomicU64>,
}

impl Stream for Counter {
    type Item = u64;
    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut TaskContext<'_>) -> Poll<Option<u64>> {
        if self.next >= self.n {
            return Poll::Ready(None); // StopAsyncIteration
        }
        self.next += 1;
        self.steps.fetch_add(1, Relaxed); // a step runs only here, when polled
        Poll::Ready(Some(self.next))
    }
}
// ANCHOR_END: hand

// ANCHOR: channel
/// A spawned producer that sends `n` items into a channel of `buffer` (unbounded if
/// `buffer` is None), read as a Stream (what tokio-stream's ReceiverStream does, in an
/// unfold). The task runs as soon as the runtime gets a turn: eager, like create_task.
pub fn channel_stream(
    buffer: u64,
    n: u64,
    produced: Arc<AtomicU64>,
    done: Option<tokio::sync::oneshot::Sender<Instant>>,
) -> Pin<Box<dyn Stream<Item = u64>>> {
    let (tx, rx) = tokio::sync::mpsc::channel(buffer as usize);
    tokio::spawn(async move {
        for i in 1..=n {
            if tx.send(i).await.is_err() {
                break; // the reader is gone
            }
            produced.fetch_add(1, Relaxed);
        }
        if let Some(done) = done {
            let _ = done.send(Instant::now());
        }
    });
    Box::pin(stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}
// ANCHOR_END: channel

/// The same producer, into an unbounded channel: `send` never waits.
pub fn unbounded_stream(
    n: u64,
    produced: Arc<AtomicU64>,
    done: tokio::sync::oneshot::Sender<Instant>,
) -> Pin<Box<dyn Stream<Item = u64>>> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        for i in 1..=n {
            let _ = tx.send(i); // never waits: the items pile up in the channel
            produced.fetch_add(1, Relaxed);
            tokio::task::yield_now().await; // a fair producer: it gives others a turn
        }
        let _ = done.send(Instant::now());
    });
    Box::pin(stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}
