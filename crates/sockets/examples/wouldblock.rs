//! A blocking read waits; a non-blocking read answers at once. One listener on loopback
//! (the OS picks the port), one connection to it, and a peer that has sent nothing yet:
//! read from it both ways and time each read.
//!
//!     cargo run -p sockets --example wouldblock

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    let listener = TcpListener::bind("127.0.0.1:0") // port 0: the OS picks a free one
        .context("cannot listen on 127.0.0.1; is the loopback interface up?")?;
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    let (mut server_side, _) = listener.accept()?; // connected, but it sends nothing yet
    let mut buf = [0u8; 1024];

    // Non-blocking: the read cannot wait, so with no bytes it fails at once with
    // WouldBlock (Python: BlockingIOError) and the thread is free to do something else.
    client.set_nonblocking(true)?;
    let start = Instant::now();
    let got = client.read(&mut buf).map_err(|e| e.kind()); // returns at once
    println!("non-blocking read: {got:?} after {:?}", start.elapsed());

    // Blocking (the default): the read puts the thread to sleep until bytes arrive. No
    // bytes will come, so a timeout ends the wait; without one it would sleep forever.
    client.set_nonblocking(false)?;
    client.set_read_timeout(Some(Duration::from_millis(500)))?;
    // (Unix reports an expired read timeout as WouldBlock too, after the wait.)
    let start = Instant::now();
    let got = client.read(&mut buf).map_err(|e| e.kind()); // the thread sleeps here
    println!("blocking read:     {got:?} after {:?}", start.elapsed());

    // Once the peer writes, the same blocking read returns the bytes.
    server_side.write_all(b"hello")?;
    let start = Instant::now();
    let n = client.read(&mut buf)?; // bytes are there: it returns without sleeping
    let text = String::from_utf8_lossy(&buf[..n]);
    println!(
        "blocking read:     Ok({n}) {text:?} after {:?}",
        start.elapsed()
    );
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
