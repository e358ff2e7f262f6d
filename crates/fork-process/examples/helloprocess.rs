//! The notes' multiprocessing hello in Rust: start a child process, both say hello with
//! their own process ids, and the parent waits for the child (Process.join()).
//! Python's multiprocessing forks (or spawns) for you; here the fork is written out.
//!
//!     cargo run -p fork-process --example helloprocess

use std::io::Write;

use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, fork, getpid};

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    // Anything still in our stdout buffer would be copied into the child and printed twice.
    std::io::stdout().flush()?;
    // SAFETY: this program has one thread, so the child's copy of the process holds no
    // lock another thread owned; the child only prints and exits.
    match unsafe { fork() }? {
        // fork returns twice: here in the new process, a copy of this one...
        ForkResult::Child => {
            // If stdout fails, the parent meets the same error and says so: exit 1 quietly.
            let said = writeln!(std::io::stdout(), "Hello from child process {}!", getpid());
            // ...which must never fall back into main's code: exit right here.
            std::process::exit(if said.is_ok() { 0 } else { 1 });
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
