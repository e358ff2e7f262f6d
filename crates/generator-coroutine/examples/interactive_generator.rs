//! The notes' two-way generator in Rust. An `async` block is a generator the compiler
//! writes for us: every `.await` is a place where it can pause, and its locals are kept
//! across the pause. Polling it by hand, with no runtime, plays `gen.send(value)`: put the
//! value in a mailbox, poll once; the block runs to its next yield and leaves what it
//! yields in the mailbox.
//!
//! A slip in the notes: their snippet calls `gen.send(None)` but never makes `gen`, so as
//! written it stops at once with `NameError: name 'gen' is not defined`. The line they
//! leave out, `gen = interactive_generator()`, is the `pin!` line in `main` below.
//!
//!     cargo run -p generator-coroutine --example interactive_generator

use std::cell::RefCell;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use anyhow::Context as _; // `.context(..)`: a None becomes an error that says what it was

/// One value each way between the generator and whoever calls `send`.
#[derive(Default)]
struct Mailbox {
    sent: Option<i64>,
    yielded: Option<String>,
}

/// Python's `x = yield value`, spelled `let x = yield_(mailbox, value).await`.
async fn yield_(mailbox: &RefCell<Mailbox>, value: String) -> Option<i64> {
    mailbox.borrow_mut().yielded = Some(value);
    let mut steps = [Poll::Pending, Poll::Ready(())].into_iter(); // not ready once, then ready
    poll_fn(|_| steps.next().unwrap_or(Poll::Ready(()))).await; // the pause: send() returns
    mailbox.borrow_mut().sent.take() // resumed by the next send(): what it brought in
}

async fn interactive_generator(mailbox: &RefCell<Mailbox>) {
    println!("Generator started");
    let x = yield_(mailbox, "Ready".to_string()).await; // hands out "Ready", pauses
    println!("Received: {}", show(x));
    let y = yield_(mailbox, format!("Got {}", show(x))).await;
    println!("Received: {}", show(y));
    yield_(mailbox, format!("Final: {}", show(y))).await;
}

/// `gen.send(value)`: resume the block with `value`; it runs to its next yield and
/// leaves what it yields in the mailbox. `None`: it ran off its end (StopIteration).
fn send(
    generator: Pin<&mut impl Future<Output = ()>>,
    mailbox: &RefCell<Mailbox>,
    value: Option<i64>,
) -> Option<String> {
    mailbox.borrow_mut().sent = value;
    match generator.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Pending => mailbox.borrow_mut().yielded.take(), // paused at a yield
        Poll::Ready(()) => None,
    }
}

/// Python's way of printing an optional value.
fn show(value: Option<i64>) -> String {
    value.map_or("None".to_string(), |v| v.to_string())
}

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    let mailbox = RefCell::new(Mailbox::default());
    // `gen = interactive_generator()`, the line the notes leave out: nothing runs yet.
    // (`gen` itself is a reserved word in Rust 2024, kept for generators to come.)
    let mut generator = pin!(interactive_generator(&mailbox));
    let mut send = |value| send(generator.as_mut(), &mailbox, value).context("StopIteration");
    println!("{}", send(None)?); // start it: it runs to its first yield
    println!("{}", send(Some(10))?); // x = 10 inside
    println!("{}", send(Some(20))?); // y = 20 inside
    Ok(())
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
