//! The notes' multiprocessing hello in Rust: start a child process, both say hello with
//! their own process ids, and the parent waits for the child (Process.join()).
//! Python's multiprocessing forks (or spawns) for you; here the fork is written out.
//!
//!     cargo run -p fork-process --example helloprocess

use std::io::Write;

use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, fork, getpid};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    end_quietly_on_closed_pipe();
    // Anything still in our stdout buffer would be copied into the child and printed twice.
    std::io::stdout().flush()?;
    // SAFETY: this program has one thread, so the child's copy of the process holds no
    // lock another thread owned; the child only prints and exits.
    match unsafe { fork() }? {
        // fork returns twice: here in the new process, a copy of this one...
        ForkResult::Child => {
            println!("Hello from child process {}!", getpid());
            // ...which must never fall back into main's code: exit right here.
            std::process::exit(0);
        }
        // ...and here in the parent, with the child's process id.
        ForkResult::Parent { child } => {
            println!("Hello from parent process {}", getpid());
            // hello_process.join(): wait for the child and reap it, so no zombie is left.
            let status = waitpid(child, None)?;
            println!("child {child} finished: {status:?}");
        }
    }
    Ok(())
}

/// `program | head` closes the pipe early, and the next `println!` then panics with
/// "Broken pipe". The reader is done, the program is not wrong: end quietly, status 0.
fn end_quietly_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.to_string().contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
