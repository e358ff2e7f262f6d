//! asyncio.create_subprocess_exec in Rust: three children run at once from ONE thread,
//! their lines printed as they arrive; then a child that hangs, killed at a timeout.
//!
//!     cargo run -p subprocesses --example subprocesses

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::main(flavor = "current_thread")] // one thread for everything below
async fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    let start = Instant::now();
    let mut readers = tokio::task::JoinSet::new();
    for n in 1..=3 {
        // Child n writes three lines, n tenths of a second apart.
        let script = format!("for i in 1 2 3; do sleep 0.{n}; echo child {n} line $i; done");
        let mut child = Command::new("sh")
            .args(["-c", &script])
            .stdout(Stdio::piped())
            .kill_on_drop(true) // dropped before it ends: killed
            .spawn()?;
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        readers.spawn(async move {
            while let Some(line) = lines.next_line().await? {
                // Printed the moment it arrives, whichever child wrote it.
                println!("{:.1} s  {line}", start.elapsed().as_secs_f64());
            }
            child.wait().await // reap it: no zombie left behind
        });
    }
    while let Some(done) = readers.join_next().await {
        done??;
    }
    // About the slowest child (0.9 s), not the sum of the three (1.8 s).
    println!("all three in {:.1} s", start.elapsed().as_secs_f64());

    let mut hung = Command::new("sleep")
        .arg("3600")
        .kill_on_drop(true)
        .spawn()?;
    let waited = tokio::time::timeout(Duration::from_millis(500), hung.wait()).await;
    if waited.is_err() {
        hung.kill().await?; // SIGKILL, then wait for it: killed and reaped
        println!(
            "the hung child was killed after 0.5 s: {}",
            hung.wait().await?
        );
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
