//! The arrangement that makes part 5's loss certain: a producer in lockstep with the loop
//! under test, so that whenever the loop runs it finds three messages and a tick waiting.

use anyhow::Context;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::report::Delivered;
use crate::tally::Tally;

/// A producer that sends `messages` numbered messages and, after every third, a tick; then
/// it waits until the loop has handled the tick. Sent in this lockstep, the loop always
/// finds three messages and a tick waiting, so what a loop loses is certain, not luck.
pub async fn cancel_safety<F, Fut>(
    messages: u32,
    reader: F,
    tally: &Tally,
) -> anyhow::Result<Delivered>
where
    F: FnOnce(UnboundedReceiver<u32>, UnboundedReceiver<()>, UnboundedSender<()>) -> Fut,
    Fut: Future<Output = u32>,
{
    let (tx, rx) = unbounded_channel();
    let (tick_tx, ticks) = unbounded_channel();
    let (ack, mut acks) = unbounded_channel();
    let producer = tokio::spawn(async move {
        let mut sent = 0;
        for n in 1..=messages {
            sent += u32::from(tx.send(n).is_ok());
            if n % 3 == 0 && tick_tx.send(()).is_ok() {
                acks.recv().await;
            }
        }
        sent
    });
    let from = std::time::Instant::now();
    let received = reader(rx, ticks, ack).await;
    let sent = producer.await.context("the producer of part 5 panicked")?;
    let name = format!(
        "the loop: received {received} of {sent}, lost {}",
        sent - received
    );
    tally.span("the select! loop", "loop", &name, from);
    Ok(Delivered { sent, received })
}
