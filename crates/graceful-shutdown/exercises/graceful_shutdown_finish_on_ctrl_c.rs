//! Your turn: let the short jobs finish on Ctrl-C.
//!
//! Predict first: three jobs each need 400 ms to save their file, and a fourth runs for an
//! hour. You press Ctrl-C 100 ms in. How many of the three files get saved?
//!
//! Then make Ctrl-C a graceful shutdown: the three short jobs finish and save their files,
//! the hour-long one is dropped, and the program exits within a second of the signal.
//! Check it: `make exercise NAME=graceful_shutdown_finish_on_ctrl_c` (it presses Ctrl-C
//! itself and counts the saved files). Run it as it is, and press Ctrl-C yourself:
//! `cargo run -p graceful-shutdown --example graceful_shutdown_finish_on_ctrl_c`.

use std::path::PathBuf;
use std::time::Duration;

use tokio::time::sleep;

/// A job that works for `steps` x 100 ms, then saves `name` into `dir`.
async fn job(dir: PathBuf, name: String, steps: u32) -> std::io::Result<()> {
    std::fs::write(dir.join(format!("{name}.started")), "")?;
    for _ in 0..steps {
        sleep(Duration::from_millis(100)).await;
    }
    std::fs::write(dir.join(format!("{name}.saved")), "saved")
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // The folder the files go in: the check gives one; by hand, one under the temp dir.
    let scratch = std::env::temp_dir().join("graceful_shutdown_finish_on_ctrl_c");
    let dir = std::env::args().nth(1).map_or(scratch, PathBuf::from);
    std::fs::create_dir_all(&dir)?;
    println!("the jobs save their files in {}", dir.display());
    for n in 1..=3 {
        tokio::spawn(job(dir.clone(), format!("short-{n}"), 4));
    }
    tokio::spawn(job(dir.clone(), "long".into(), 36_000));
    tokio::signal::ctrl_c().await?; // the signal arrives
    println!("Ctrl-C: shutting down");
    Ok(()) // main returns: the runtime drops every job still running
}
