//! A solution: `wait_with_output()` reads the child's stdout while it waits for the exit
//! (asyncio's `communicate()`), so the pipe never stays full and the child never blocks.

use std::io::Write;
use std::process::Stdio;

use tokio::process::Command;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    // The command to run: the arguments, or one that writes 200,000 lines.
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        args = vec!["sh".into(), "-c".into(), "seq 1 200000".into()];
    }
    let child = Command::new(&args[0])
        .args(&args[1..])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    // Reads stdout to its end while waiting for the exit: both at once.
    let output = child.wait_with_output().await?;
    std::io::stdout().write_all(&output.stdout)?;
    eprintln!(
        "the child ended ({}) after writing {} bytes",
        output.status,
        output.stdout.len()
    );
    Ok(())
}
