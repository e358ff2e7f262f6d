//! A solution to `graceful_shutdown_finish_on_ctrl_c`: keep the short jobs' handles; on
//! Ctrl-C, wait for them, within a grace of one second, then return, which drops the
//! hour-long job with the runtime (or abort() it first, to say so).

use std::path::PathBuf;
use std::time::Duration;

use tokio::time::{sleep, timeout};

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
    let short: Vec<_> = (1..=3)
        .map(|n| tokio::spawn(job(dir.clone(), format!("short-{n}"), 4)))
        .collect();
    let long = tokio::spawn(job(dir.clone(), "long".into(), 36_000));
    tokio::signal::ctrl_c().await?; // the signal arrives
    println!("Ctrl-C: shutting down");
    let finish = async {
        for handle in short {
            let _ = handle.await; // each short job runs to its end
        }
    };
    if timeout(Duration::from_secs(1), finish).await.is_err() {
        println!("the grace is over");
    }
    long.abort(); // no safe point in sight: stop it at its .await
    Ok(())
}
