//! Way (b): the same generators written as `async` blocks, which the compiler turns into
//! state machines like the ones in `state_machine.rs`: every `.await` becomes a state, every
//! local that lives across it becomes a field. No runtime is involved. `AsyncGenerator`
//! drives the block by hand with `Future::poll` and a waker that does nothing
//! (`Waker::noop()`), and a shared slot carries the values both ways:
//!
//! - `resume(x)` puts x in the slot, then polls the block once;
//! - the block runs until it awaits a `YieldPoint`, which stores the yielded value in the
//!   slot and answers `Pending` once: that ends the poll, and `resume` returns the value;
//! - the next poll finds the `YieldPoint` again, which now answers `Ready(x)` with the value
//!   the next `resume` put in the slot.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::dialogue::{Dialogue, show};
use crate::{Coroutine, Step};

/// The channel between the driver and the block: one value each way, at most.
struct Slot<In, Out> {
    sent: Option<In>,
    yielded: Option<Out>,
}

/// What the block holds to yield: a handle on the shared slot.
pub struct Yielder<In, Out>(Rc<RefCell<Slot<In, Out>>>);

impl<In, Out> Yielder<In, Out> {
    /// Python's `received = yield value`, spelled `received = y.yield_value(value).await`.
    pub fn yield_value(&self, value: Out) -> YieldPoint<'_, In, Out> {
        YieldPoint {
            slot: &self.0,
            value: Some(value),
        }
    }
}

/// The hand-written "yield point" future: Pending once (having handed out its value),
/// then Ready with whatever was sent in.
pub struct YieldPoint<'a, In, Out> {
    slot: &'a RefCell<Slot<In, Out>>,
    value: Option<Out>,
}

// The value waiting to be handed out is moved, never pinned in place, so moving the whole
// future is harmless whatever `Out` is.
impl<In, Out> Unpin for YieldPoint<'_, In, Out> {}

impl<In, Out> Future for YieldPoint<'_, In, Out> {
    type Output = In;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<In> {
        let this = self.get_mut();
        let mut slot = this.slot.borrow_mut();
        if let Some(value) = this.value.take() {
            slot.yielded = Some(value);
            return Poll::Pending;
        }
        match slot.sent.take() {
            Some(input) => Poll::Ready(input),
            None => Poll::Pending,
        }
    }
}

/// An async block plus the slot it yields through: a generator, driven by hand.
pub struct AsyncGenerator<In, Out, F: Future> {
    slot: Rc<RefCell<Slot<In, Out>>>,
    /// `None` once the block returned or was closed (dropped).
    body: Option<Pin<Box<F>>>,
    started: bool,
}

impl<In, Out, F: Future> AsyncGenerator<In, Out, F> {
    /// `body` receives the yielder and returns the (not yet started) async block.
    pub fn new(body: impl FnOnce(Yielder<In, Out>) -> F) -> Self {
        let slot = Rc::new(RefCell::new(Slot {
            sent: None,
            yielded: None,
        }));
        let body = Box::pin(body(Yielder(Rc::clone(&slot))));
        AsyncGenerator {
            slot,
            body: Some(body),
            started: false,
        }
    }

    /// The size of the compiler's state machine for this block, in bytes.
    pub fn state_machine_bytes(&self) -> usize {
        size_of::<F>()
    }
}

impl<In, Out, F: Future> Coroutine for AsyncGenerator<In, Out, F> {
    type Input = In;
    type Yield = Out;
    type Return = F::Output;

    fn resume(&mut self, input: In) -> Step<Out, F::Output> {
        let Some(body) = self.body.as_mut() else {
            return Step::Closed;
        };
        // As in Python, the first resume only starts the body: its value goes nowhere.
        if self.started {
            self.slot.borrow_mut().sent = Some(input);
        }
        self.started = true;
        let mut cx = Context::from_waker(Waker::noop());
        match body.as_mut().poll(&mut cx) {
            Poll::Ready(returned) => {
                self.body = None;
                Step::Returned(returned)
            }
            Poll::Pending => match self.slot.borrow_mut().yielded.take() {
                Some(value) => Step::Yielded(value),
                // Only YieldPoint answers Pending in these blocks, and it always leaves a
                // value; anything else would be a bug in this file.
                None => unreachable!("the block awaited something other than a yield point"),
            },
        }
    }

    /// Python's `close()`: drop the paused block. Its locals are dropped where it stands,
    /// so their destructors run: Rust's counterpart of the `finally` that GeneratorExit runs.
    fn close(&mut self) {
        self.body = None;
    }
}

/// Reports the end of the consumer's loop, however it ends: returning or being dropped.
struct LoopEnd<'d> {
    consumed: u32,
    dialogue: &'d Dialogue,
}

impl Drop for LoopEnd<'_> {
    fn drop(&mut self) {
        self.dialogue.note(format_args!(
            "[CONSUMER] loop ended after {} messages",
            self.consumed
        ));
    }
}

// ANCHOR: consumer
/// The notes' consumer as an async block (compare `state_machine::Consumer`).
pub async fn consumer(y: Yielder<Option<u32>, String>, dialogue: &Dialogue) -> u32 {
    let mut reply = String::new();
    let mut end = LoopEnd {
        consumed: 0,
        dialogue,
    };
    loop {
        // `if not n: return`: a falsy message ends the loop.
        let n = match y.yield_value(reply).await {
            None | Some(0) => return end.consumed,
            Some(n) => n,
        };
        dialogue.say(format_args!("[CONSUMER] Consuming {n}"));
        reply = format!("200 OK from iter {n}");
        end.consumed += 1;
    }
}
// ANCHOR_END: consumer

/// The notes' two-way generator as an async block (compare `state_machine::TwoWay`).
pub async fn two_way(y: Yielder<Option<i64>, String>, dialogue: &Dialogue) {
    dialogue.say(format_args!("Generator started"));
    let x = y.yield_value("Ready".to_string()).await;
    dialogue.say(format_args!("Received: {}", show(x)));
    let got = y.yield_value(format!("Got {}", show(x))).await;
    dialogue.say(format_args!("Received: {}", show(got)));
    y.yield_value(format!("Final: {}", show(got))).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_async_consumer_makes_the_same_steps_as_the_state_machine() {
        let d = Dialogue::new(true);
        let mut by_hand = crate::state_machine::Consumer::new(&d);
        let mut compiled = AsyncGenerator::new(|y| consumer(y, &d));
        for input in [None, Some(3), Some(4), Some(0), Some(5)] {
            assert_eq!(by_hand.resume(input), compiled.resume(input), "{input:?}");
        }
    }

    #[test]
    fn dropping_the_paused_block_ends_its_loop_like_generator_exit() {
        let d = Dialogue::new(false);
        let mut g = AsyncGenerator::new(|y| consumer(y, &d));
        g.resume(None);
        g.resume(Some(1));
        g.resume(Some(2));
        g.close();
        assert_eq!(
            d.last_note().as_deref(),
            Some("[CONSUMER] loop ended after 2 messages")
        );
        assert_eq!(g.resume(Some(3)), Step::Closed);
    }

    #[test]
    fn the_first_resume_only_starts_the_block() {
        let d = Dialogue::new(true);
        let mut g = AsyncGenerator::new(|y| two_way(y, &d));
        // Whatever the first resume carries is dropped, as Python requires it to be None.
        assert_eq!(g.resume(Some(99)), Step::Yielded("Ready".into()));
        assert_eq!(g.resume(Some(1)), Step::Yielded("Got 1".into()));
    }
}
