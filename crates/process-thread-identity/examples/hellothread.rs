//! The notes' two small programs in Rust: which process am I, how many threads does it
//! run, which thread is this; then start one more thread and count again while it lives.
//! A Rust program starts with exactly one thread, so the counts are 1, then 2.
//!
//!     cargo run -p process-thread-identity --example hellothread

use std::sync::{Arc, Barrier};
use std::thread;

fn main() -> std::io::Result<()> {
    end_quietly_on_closed_pipe();
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
        })?;

    meet.wait();
    print_threads()?; // while the hello thread lives: one more
    meet.wait();
    hello.join().expect("the hello thread panicked"); // thread.join(): it has ended
    Ok(())
}

/// threading.active_count() and current_thread().name, asked of the operating system.
fn print_threads() -> std::io::Result<()> {
    println!();
    println!("Rust is currently running {} thread(s)", thread_count()?);
    let me = thread::current();
    println!("The current thread is {}", me.name().unwrap_or("<unnamed>"));
    Ok(())
}

/// The kernel keeps one entry per thread under /proc/self/task (macOS has no /proc:
/// src/os.rs asks proc_pidinfo there).
#[cfg(target_os = "linux")]
fn thread_count() -> std::io::Result<String> {
    Ok(std::fs::read_dir("/proc/self/task")?.count().to_string())
}

#[cfg(not(target_os = "linux"))]
fn thread_count() -> std::io::Result<String> {
    Ok("? (no /proc here; the demo asks proc_pidinfo)".to_string())
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
