//! Your turn: run a command and pass on everything it writes.
//!
//! Predict first: the child writes about 1.3 MB; the pipe between it and this program holds
//! 64 KiB. What happens when the program waits for the child to end before it reads?
//!
//! Then make it pass the child's whole output on and end by itself, whatever the size,
//! still from one thread. Check it: `make exercise NAME=subprocesses_communicate` (it runs
//! the program with a child of its own that writes 1 MiB of random letters, stops it after
//! 5 s, and compares what came out). Run it as it is (Ctrl-C to stop it):
//! `cargo run -p subprocesses --example subprocesses_communicate | tail -n 1`.

use std::process::Stdio;

use std::io::Write;

use tokio::io::AsyncReadExt;
use tokio::process::Command;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    // The command to run: the arguments, or one that writes 200,000 lines.
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        args = vec!["sh".into(), "-c".into(), "seq 1 200000".into()];
    }
    let mut child = Command::new(&args[0])
        .args(&args[1..])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let status = child.wait().await?; // wait for it to end...
    let mut output = Vec::new();
    let mut stdout = child.stdout.take().unwrap();
    stdout.read_to_end(&mut output).await?; // ...then read what it wrote
    std::io::stdout().write_all(&output)?;
    eprintln!(
        "the child ended ({status}) after writing {} bytes",
        output.len()
    );
    Ok(())
}
