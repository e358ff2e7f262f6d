//! Cooperative multitasking in one small program: on ONE thread, a ticker task wants to run
//! every 100 ms; beside it a task spins for 300 ms. Nobody preempts a task: the spinner
//! that never awaits holds the thread and the ticker runs late by most of the spin; the
//! one that calls `yield_now().await` between slices lets the ticker keep time.
//!
//!     cargo run -p multitasking --example cooperative_ticker

use std::time::{Duration, Instant};

const TICK: Duration = Duration::from_millis(100);

/// Wants to run at 100, 200, ... 500 ms; says how late each tick ran, returns the worst.
async fn ticker(start: Instant) -> f64 {
    let mut worst: f64 = 0.0;
    for k in 1..=5 {
        let due = start + TICK * k;
        tokio::time::sleep_until(due.into()).await; // hands the thread back until then
        let late_ms = due.elapsed().as_secs_f64() * 1e3;
        println!(
            "  tick {k} due at {:3} ms, ran {late_ms:5.1} ms late",
            k * 100
        );
        worst = worst.max(late_ms);
    }
    worst
}

/// Starts at 150 ms, between two ticks, and keeps busy for 300 ms.
async fn spinner(yields: bool) {
    tokio::time::sleep(TICK * 3 / 2).await;
    let began = Instant::now();
    while began.elapsed() < TICK * 3 {
        std::hint::black_box((0..10_000u64).sum::<u64>()); // a slice of busy work
        if yields {
            tokio::task::yield_now().await; // the only place the ticker can get in
        }
    }
}

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    // One thread, one scheduler: tasks switch only where they await.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    for yields in [false, true] {
        let how = if yields {
            "yields after every slice"
        } else {
            "never awaits"
        };
        println!("The spinner {how}:");
        let start = Instant::now();
        let worst = runtime.block_on(async move {
            let ticker = tokio::spawn(ticker(start));
            tokio::spawn(spinner(yields)).await?;
            ticker.await
        })?;
        println!("worst lateness: {worst:.0} ms");
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
