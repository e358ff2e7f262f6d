//! The notes' two small programs in Rust: which process am I, how many threads does it
//! run, which thread is this; then start one more thread and count again while it lives.
//! A Rust program starts with exactly one thread, so the counts are 1, then 2.
//!
//!     cargo run -p process-thread-identity --example hellothread

use std::sync::{Arc, Barrier};
use std::thread;

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    // os.getpid(): the id the kernel gave this process.
    println!(
        "Rust process running with process id: {}",
        std::process::id()
    );
    print_threads()?;

    // Main and the new thread meet twice: after the hello, and after main has counted.
    let meet = Arc::new(Barrier::new(2));
    let meet_in_thread = Arc::clone(&meet);
    // threading.Thread(target=...).start(): a new OS thread in this same process.
    let hello = thread::Builder::new()
        .name("hello".to_string())
        .spawn(move || {
            let me = thread::current();
            println!(
                "Hello from thread {:?} ({:?})!",
                me.name().unwrap_or("?"),
                me.id()
            );
            meet_in_thread.wait(); // hello printed: main may count
            meet_in_thread.wait(); // stay alive until main has counted
        })
        .context("cannot start a thread; raise the thread limit (ulimit -u)")?;

    meet.wait();
    print_threads()?; // while the hello thread lives: one more
    meet.wait();
    hello.join().expect("the hello thread panicked"); // thread.join(): it has ended
    Ok(())
}

/// threading.active_count() and current_thread().name, asked of the operating system.
fn print_threads() -> anyhow::Result<()> {
    println!();
    println!("Rust is currently running {} thread(s)", thread_count()?);
    let me = thread::current();
    println!("The current thread is {}", me.name().unwrap_or("<unnamed>"));
    Ok(())
}

/// The kernel keeps one entry per thread under /proc/self/task (macOS has no /proc:
/// src/os.rs asks proc_pidinfo there).
#[cfg(target_os = "linux")]
fn thread_count() -> anyhow::Result<String> {
    let tasks = std::fs::read_dir("/proc/self/task")
        .context("cannot read /proc/self/task; is /proc mounted?")?;
    Ok(tasks.count().to_string())
}

#[cfg(not(target_os = "linux"))]
fn thread_count() -> anyhow::Result<String> {
    Ok("? (no /proc here; the demo asks proc_pidinfo)".to_string())
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
