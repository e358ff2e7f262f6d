//! The consumers take items through this trait, so one `consume` serves the bounded
//! and the unbounded receiver alike (tokio gives them separate types).

use tokio::sync::mpsc;

use crate::Item;

/// A queue's receiving end: the bounded and the unbounded receiver alike.
pub trait Inbox {
    async fn take(&mut self) -> Option<Item>;
}

impl Inbox for mpsc::Receiver<Item> {
    async fn take(&mut self) -> Option<Item> {
        self.recv().await
    }
}

impl Inbox for mpsc::UnboundedReceiver<Item> {
    async fn take(&mut self) -> Option<Item> {
        self.recv().await
    }
}
