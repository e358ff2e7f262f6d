//! Way (a): the generators written by hand as state machines. Each `yield` of the Python
//! generator becomes a state; each variable that lives across a `yield` becomes a field of
//! that state; `send(x)` becomes `resume(x)`, which runs from the current state to the next
//! yield and returns what it yields. This is what a generator is under the hood, and what the
//! compiler writes for the `async` blocks in `async_block.rs` (compare them side by side).

use crate::dialogue::{Dialogue, show};
use crate::{Coroutine, Step};

/// The notes' consumer: receives n, says "Consuming n", yields "200 OK from iter n".
pub struct Consumer<'d> {
    pub state: ConsumerState,
    dialogue: &'d Dialogue,
}

/// Where the consumer is paused. `consumed` is the only local that outlives a yield.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumerState {
    /// Created, no code run yet (a Python generator before its first `send(None)`).
    NotStarted,
    /// Paused at `n = yield r`, waiting for the next n.
    AtYield { consumed: u32 },
    /// Returned or closed: any further resume reports `Step::Closed`.
    Finished,
}

impl<'d> Consumer<'d> {
    pub fn new(dialogue: &'d Dialogue) -> Self {
        Consumer {
            state: ConsumerState::NotStarted,
            dialogue,
        }
    }

    fn loop_ended(&self, consumed: u32) {
        self.dialogue.note(format_args!(
            "[CONSUMER] loop ended after {consumed} messages"
        ));
    }
}

impl Coroutine for Consumer<'_> {
    type Input = Option<u32>;
    type Yield = String;
    type Return = u32;

    // ANCHOR: resume
    fn resume(&mut self, input: Option<u32>) -> Step<String, u32> {
        match self.state {
            // First resume: run up to the first yield, which hands out the empty reply.
            ConsumerState::NotStarted => {
                self.state = ConsumerState::AtYield { consumed: 0 };
                Step::Yielded(String::new())
            }
            // `if not n: return`: a falsy message ends the loop.
            ConsumerState::AtYield { consumed } => match input {
                None | Some(0) => {
                    self.state = ConsumerState::Finished;
                    self.loop_ended(consumed);
                    Step::Returned(consumed)
                }
                Some(n) => {
                    self.dialogue.say(format_args!("[CONSUMER] Consuming {n}"));
                    self.state = ConsumerState::AtYield {
                        consumed: consumed + 1,
                    };
                    Step::Yielded(format!("200 OK from iter {n}"))
                }
            },
            ConsumerState::Finished => Step::Closed,
        }
    }
    // ANCHOR_END: resume

    /// Python's `close()`: the paused loop is abandoned where it stands. A consumer that
    /// never started has no loop to end, so it says nothing (as in Python).
    fn close(&mut self) {
        if let ConsumerState::AtYield { consumed } = self.state {
            self.loop_ended(consumed);
        }
        self.state = ConsumerState::Finished;
    }
}

/// The notes' two-way generator: yields "Ready", receives x, yields "Got x", receives y,
/// yields "Final: y", and returns when resumed once more.
pub struct TwoWay<'d> {
    pub state: TwoWayState,
    dialogue: &'d Dialogue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwoWayState {
    NotStarted,
    /// Paused at `x = yield "Ready"`.
    AtReady,
    /// Paused at `y = yield f"Got {x}"`.
    AtGot,
    /// Paused at `yield f"Final: {y}"`.
    AtFinal,
    Finished,
}

impl<'d> TwoWay<'d> {
    pub fn new(dialogue: &'d Dialogue) -> Self {
        TwoWay {
            state: TwoWayState::NotStarted,
            dialogue,
        }
    }
}

impl Coroutine for TwoWay<'_> {
    type Input = Option<i64>;
    type Yield = String;
    type Return = ();

    fn resume(&mut self, input: Option<i64>) -> Step<String, ()> {
        let d = self.dialogue;
        match self.state {
            TwoWayState::NotStarted => {
                d.say(format_args!("Generator started"));
                self.state = TwoWayState::AtReady;
                Step::Yielded("Ready".to_string())
            }
            TwoWayState::AtReady => {
                d.say(format_args!("Received: {}", show(input)));
                self.state = TwoWayState::AtGot;
                Step::Yielded(format!("Got {}", show(input)))
            }
            TwoWayState::AtGot => {
                d.say(format_args!("Received: {}", show(input)));
                self.state = TwoWayState::AtFinal;
                Step::Yielded(format!("Final: {}", show(input)))
            }
            TwoWayState::AtFinal => {
                self.state = TwoWayState::Finished;
                Step::Returned(())
            }
            TwoWayState::Finished => Step::Closed,
        }
    }

    fn close(&mut self) {
        self.state = TwoWayState::Finished;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn silent() -> Dialogue {
        Dialogue::new(true)
    }

    #[test]
    fn consumer_starts_with_an_empty_reply_and_counts_its_messages() {
        let d = silent();
        let mut c = Consumer::new(&d);
        assert_eq!(c.state, ConsumerState::NotStarted);
        assert_eq!(c.resume(None), Step::Yielded(String::new()));
        assert_eq!(c.state, ConsumerState::AtYield { consumed: 0 });
        assert_eq!(
            c.resume(Some(7)),
            Step::Yielded("200 OK from iter 7".into())
        );
        assert_eq!(c.state, ConsumerState::AtYield { consumed: 1 });
        assert_eq!(
            c.resume(Some(8)),
            Step::Yielded("200 OK from iter 8".into())
        );
        assert_eq!(c.state, ConsumerState::AtYield { consumed: 2 });
    }

    #[test]
    fn consumer_returns_on_a_falsy_message_then_stays_finished() {
        let d = silent();
        let mut c = Consumer::new(&d);
        c.resume(None);
        c.resume(Some(1));
        assert_eq!(c.resume(Some(0)), Step::Returned(1));
        assert_eq!(c.state, ConsumerState::Finished);
        assert_eq!(c.resume(Some(2)), Step::Closed);

        let mut c = Consumer::new(&d);
        c.resume(None);
        assert_eq!(c.resume(None), Step::Returned(0));
    }

    #[test]
    fn closing_a_paused_consumer_reports_the_end_of_its_loop() {
        let d = Dialogue::new(false);
        let mut c = Consumer::new(&d);
        c.resume(None);
        c.resume(Some(1));
        c.close();
        assert_eq!(c.state, ConsumerState::Finished);
        assert_eq!(
            d.last_note().as_deref(),
            Some("[CONSUMER] loop ended after 1 messages")
        );
        assert_eq!(c.resume(Some(2)), Step::Closed);
    }

    #[test]
    fn closing_a_consumer_that_never_started_says_nothing() {
        let d = Dialogue::new(false);
        let mut c = Consumer::new(&d);
        c.close();
        assert_eq!(c.state, ConsumerState::Finished);
        assert_eq!(d.last_note(), None);
        assert_eq!(c.resume(None), Step::Closed);
    }

    #[test]
    fn two_way_walks_through_its_three_yields_and_returns() {
        let d = silent();
        let mut g = TwoWay::new(&d);
        assert_eq!(g.resume(None), Step::Yielded("Ready".into()));
        assert_eq!(g.state, TwoWayState::AtReady);
        assert_eq!(g.resume(Some(10)), Step::Yielded("Got 10".into()));
        assert_eq!(g.state, TwoWayState::AtGot);
        assert_eq!(g.resume(Some(20)), Step::Yielded("Final: 20".into()));
        assert_eq!(g.state, TwoWayState::AtFinal);
        assert_eq!(g.resume(Some(30)), Step::Returned(()));
        assert_eq!(g.state, TwoWayState::Finished);
        assert_eq!(g.resume(Some(40)), Step::Closed);
    }

    #[test]
    fn two_way_shows_none_as_python_does() {
        let d = silent();
        let mut g = TwoWay::new(&d);
        g.resume(None);
        assert_eq!(g.resume(None), Step::Yielded("Got None".into()));
    }
}
