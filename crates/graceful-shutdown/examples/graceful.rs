//! Shutting down on Ctrl-C. Four jobs run; on SIGINT a watch channel tells them all to stop.
//! Each stops at its next safe point, between two steps; a grace period lets the short
//! ones get there, then what is still running is aborted. The program presses its own
//! Ctrl-C after 350 ms, so it runs unattended; a real Ctrl-C does the same.
//!
//!     cargo run -p graceful-shutdown --example graceful

use std::time::{Duration, Instant};

use nix::{sys::signal::Signal, unistd::Pid};
use tokio::{signal::unix::SignalKind, sync::watch, task::JoinSet};

async fn job(name: &str, steps: u32, step_ms: u64, stop: watch::Receiver<bool>) -> String {
    for done in 1..=steps {
        tokio::time::sleep(Duration::from_millis(step_ms)).await;
        if done < steps && *stop.borrow() {
            // A safe point: this step is done, the next not begun.
            return format!("{name} stopped after {done} of {steps} steps");
        }
    }
    format!("{name} finished")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    let start = Instant::now();
    // From here on SIGINT is delivered to this stream instead of ending the process.
    let mut ctrl_c = tokio::signal::unix::signal(SignalKind::interrupt())?;
    tokio::spawn(async {
        tokio::time::sleep(Duration::from_millis(350)).await;
        nix::sys::signal::kill(Pid::this(), Signal::SIGINT) // the demo presses its own Ctrl-C
    });
    let (stop, stop_rx) = watch::channel(false); // one sender, a receiver per job
    let mut jobs = JoinSet::new();
    let table = [
        ("quick", 2, 50),
        ("steady", 20, 100),
        ("chunky", 5, 250),
        ("stuck", 1, 3_600_000),
    ];
    for (name, steps, step_ms) in table {
        jobs.spawn(job(name, steps, step_ms, stop_rx.clone()));
    }
    loop {
        tokio::select! {
            _ = ctrl_c.recv() => break,
            Some(done) = jobs.join_next() => println!("{}", done?), // a job that ends by itself
        }
    }
    let (signalled, at) = (Instant::now(), start.elapsed().as_secs_f64());
    println!("Ctrl-C after {at:.2} s: telling every job to stop");
    stop.send(true)?; // every receiver sees it at its next look
    let drained = tokio::time::timeout(Duration::from_millis(500), async {
        while let Some(done) = jobs.join_next().await {
            println!("{}", done?);
        }
        Ok::<_, tokio::task::JoinError>(())
    });
    if drained.await.is_err() {
        println!("grace of 0.50 s is over: aborting {} job(s)", jobs.len());
        jobs.shutdown().await; // abort each, and wait until each is gone
    }
    let took = signalled.elapsed().as_secs_f64();
    println!("shut down {took:.2} s after Ctrl-C");
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
