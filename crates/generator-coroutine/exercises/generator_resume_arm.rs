//! Your turn: the notes' consumer generator as a state machine, with its main arm missing.
//!
//! Predict first: the producer sends 1, 2, 3, 4, 5. What does each `resume` return, and
//! what do the two sides print? And if a message is 0 (`if not n: return`)?
//!
//! Then write the `AtYield` arm of `resume`: what the Python consumer does from
//! `n = yield r` to its next yield. Check it: `make exercise NAME=generator_resume_arm`
//! (it sends messages of its own, a 0 among them, and compares every line with what the
//! notes' generator does with them). Run it as it is:
//! `cargo run -p generator-coroutine --example generator_resume_arm -- 1 2 3`.

/// The consumer, paused: `consumed` is the one local that lives across its `yield`.
#[allow(dead_code)] // until your arm reaches `Finished`
enum Consumer {
    NotStarted,
    AtYield { consumed: u32 },
    Finished,
}

/// What `send()` gives back: a yielded value, or StopIteration with the return value.
#[allow(dead_code)] // until your arm returns
enum Step {
    Yielded(String),
    Returned(u32),
    Closed,
}

impl Consumer {
    fn resume(&mut self, input: Option<u32>) -> Step {
        match *self {
            // First resume: run to the first `yield r`, with r = "".
            Consumer::NotStarted => {
                *self = Consumer::AtYield { consumed: 0 };
                Step::Yielded(String::new())
            }
            // Resumed at `n = yield r`, with n = input. The Python goes on:
            //     if not n: return consumed          (the generator ends)
            //     print(f"[CONSUMER] Consuming {n}")
            //     r = f"200 OK from iter {n}"; consumed += 1   (then yields r again)
            Consumer::AtYield { consumed } => {
                let _ = (consumed, input);
                todo!("the arm that resumes the consumer at its yield")
            }
            Consumer::Finished => Step::Closed,
        }
    }
}

fn main() {
    // The producer's messages: the arguments, or the notes' 1 to 5.
    let mut messages: Vec<u32> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a number"))
        .collect();
    if messages.is_empty() {
        messages = (1..=5).collect();
    }
    let mut consumer = Consumer::NotStarted;
    consumer.resume(None); // send(None): start it
    for n in messages {
        println!("[PRODUCER] Producing {n}");
        match consumer.resume(Some(n)) {
            Step::Yielded(reply) => println!("[PRODUCER] Consumer return: {reply}"),
            Step::Returned(count) => {
                println!("[PRODUCER] the consumer returned after {count} messages");
                break;
            }
            Step::Closed => break,
        }
    }
}
