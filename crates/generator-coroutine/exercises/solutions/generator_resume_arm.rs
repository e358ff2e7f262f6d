//! A solution to `generator_resume_arm`: the `AtYield` arm does what the Python consumer
//! does between two yields, and moves the state on: to `Finished` when the message is 0,
//! else back to `AtYield` with one message more consumed.

/// The consumer, paused: `consumed` is the one local that lives across its `yield`.
enum Consumer {
    NotStarted,
    AtYield { consumed: u32 },
    Finished,
}

/// What `send()` gives back: a yielded value, or StopIteration with the return value.
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
            Consumer::AtYield { consumed } => match input {
                None | Some(0) => {
                    *self = Consumer::Finished; // `return consumed`: StopIteration
                    Step::Returned(consumed)
                }
                Some(n) => {
                    println!("[CONSUMER] Consuming {n}");
                    *self = Consumer::AtYield {
                        consumed: consumed + 1,
                    }; // paused again
                    Step::Yielded(format!("200 OK from iter {n}"))
                }
            },
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
