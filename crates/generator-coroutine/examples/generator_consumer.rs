//! The notes' producer and consumer in Rust. Python's `consumer()` is a generator: it
//! pauses at `n = yield r`, and the producer's `c.send(n)` resumes it with a value and
//! gets the next `r` back. Stable Rust has no generators, so here the generator is written
//! by hand, as Python builds it underneath: one state per place it can be paused, and a
//! `send` that runs from one pause to the next.
//!
//!     cargo run -p generator-coroutine --example generator_consumer

/// Where the consumer is paused. Python keeps this in the generator's frame.
enum Consumer {
    /// `c = consumer()`: created, none of its code has run.
    NotStarted,
    /// Paused at `n = yield r`, waiting for the next n.
    AtYield,
    /// Returned, or closed: it will never run again.
    Finished,
}

impl Consumer {
    /// `c.send(n)`: run from where it paused to its next `yield`, and return what it
    /// yielded; `None` when it returns instead (Python raises StopIteration).
    fn send(&mut self, n: Option<u32>) -> Option<String> {
        match (&*self, n) {
            (Consumer::NotStarted, _) => {
                *self = Consumer::AtYield; // ran up to the first `yield r`, with r = ''
                Some(String::new())
            }
            (Consumer::AtYield, Some(n)) if n != 0 => {
                println!("[CONSUMER] Consuming {n}");
                Some(format!("200 OK from iter {n}")) // the next `yield r`: pause, hand r out
            }
            _ => {
                *self = Consumer::Finished; // `if not n: return`, or it had already finished
                None
            }
        }
    }

    /// `c.close()`: the paused generator is abandoned where it stands.
    fn close(&mut self) {
        *self = Consumer::Finished;
    }
}

fn produce(c: &mut Consumer) {
    c.send(None); // start it: run to the first yield (Python: c.send(None) or next(c))
    for n in 1..=5 {
        println!("[PRODUCER] Producing {n}");
        let r = c.send(Some(n)).unwrap_or_default(); // switch to the consumer, and back
        println!("[PRODUCER] Consumer return: {r}");
    }
    c.close(); // the producer decides it is done
}

fn main() {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    let mut c = Consumer::NotStarted;
    produce(&mut c);
}

// ANCHOR: output-hook
/// Output that cannot be written ends the program: quietly when the reader closed the pipe
/// (`program | head`), with one `error:` line and status 1 otherwise (a full disk).
fn exit_when_output_fails() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.to_string();
        let Some((_, why)) = message.split_once("failed printing to stdout: ") else {
            return default_hook(info);
        };
        if why.contains("Broken pipe") {
            std::process::exit(0);
        }
        let why = why.split(" (os error").next().unwrap_or(why);
        eprintln!("error: cannot write the output ({why}); free some space or write elsewhere");
        std::process::exit(1);
    }));
}
// ANCHOR_END: output-hook
