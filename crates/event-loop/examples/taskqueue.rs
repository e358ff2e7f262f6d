//! The notes' event loop: a queue of tasks on ONE thread. A task that hits I/O with nothing
//! to read is paused and the next one runs; when none can run, poll(2) waits for a socket.
//! Replies that take 300, 100, 200 ms: 0.3 s in all. `cargo run -p event-loop --example taskqueue`

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use std::io::{ErrorKind, Read, Write};
use std::os::{fd::AsFd, unix::net::UnixStream};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};
use std::{cell::RefCell, collections::VecDeque, future::poll_fn, rc::Rc};

/// The paused tasks: which task waits for which socket to have bytes.
type Waiting = Rc<RefCell<Vec<(usize, Rc<UnixStream>)>>>;

async fn task(id: usize, socket: Rc<UnixStream>, waiting: Waiting) -> std::io::Result<()> {
    println!("task {id}: asks, and waits for the reply");
    let mut buf = [0u8; 64];
    let n = poll_fn(|_| match (&*socket).read(&mut buf) {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {
            // Nothing yet: note what this task waits for, and hand the thread back.
            waiting.borrow_mut().push((id, socket.clone()));
            Poll::Pending
        }
        done => Poll::Ready(done),
    })
    .await?; // paused here while the loop runs the other tasks
    println!("task {id}: got {:?}", String::from_utf8_lossy(&buf[..n]));
    Ok(())
}

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    let (start, waiting, mut tasks) = (Instant::now(), Waiting::default(), Vec::new());
    for (id, ms) in [300, 100, 200].into_iter().enumerate() {
        let (mine, theirs) = UnixStream::pair()?;
        mine.set_nonblocking(true)?; // a read with no bytes says WouldBlock, never waits
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(ms)); // the far end answers late
            (&theirs).write_all(format!("reply after {ms} ms").as_bytes())
        });
        tasks.push(Box::pin(task(id, Rc::new(mine), waiting.clone())));
    }
    let mut queue: VecDeque<usize> = (0..tasks.len()).collect(); // the tasks ready to run
    let mut cx = Context::from_waker(Waker::noop()); // `waiting`, not a Waker, says who waits
    loop {
        while let Some(id) = queue.pop_front() {
            if let Poll::Ready(result) = tasks[id].as_mut().poll(&mut cx) {
                result?; // finished: a finished task is never queued again
            }
        }
        let parked = waiting.take();
        if parked.is_empty() {
            break; // every task has finished
        }
        // No task can run: sleep in poll(2) until a socket some task waits on has bytes.
        let n = parked.len();
        println!("loop: no task can run; poll(2) on {n} socket(s)");
        let fds = parked
            .iter()
            .map(|(_, s)| PollFd::new(s.as_fd(), PollFlags::POLLIN));
        poll(&mut fds.collect::<Vec<_>>(), PollTimeout::NONE)?; // the thread sleeps here
        // Next round each paused task checks its I/O again: the ready one goes on.
        queue.extend(parked.iter().map(|(id, _)| *id));
    }
    let secs = start.elapsed().as_secs_f64();
    println!("executed in {secs:.2} seconds; the waits add up to 0.60");
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
