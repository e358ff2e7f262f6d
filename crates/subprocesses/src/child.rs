//! The children: this same program, run with `--role`. `lines` writes `--lines` lines,
//! pausing `--every-ms` before each; `hang` never ends; `flood` writes `--flood-kib` KiB to
//! stdout in 4 KiB writes, saying on stderr how much it has written after each. Each ends
//! by itself when its parent is gone (it checks every 20 ms), so a killed demo leaves none.

use std::io::Write;
use std::time::Duration;

use std::process::Stdio;

use anyhow::Context;
use tokio::process::Command;

use crate::Args;

pub const SPAWN: &str = "cannot start a child process; raise the process limit (ulimit -u)";

/// This program, in a child role, told our pid (it ends when its parent is no longer us)
/// and `kill_on_drop`: a Child dropped before it exits is killed.
pub fn command(role: &str) -> anyhow::Result<Command> {
    let me = std::env::current_exe().context("cannot find this program to start a child")?;
    let mut command = Command::new(me);
    command.args(["--role", role, "--parent", &std::process::id().to_string()]);
    command.stdin(Stdio::null()).kill_on_drop(true);
    Ok(command)
}

/// The hidden flags of the child roles.
#[derive(clap::Args, Debug)]
pub struct Role {
    /// Internal: run as a child: lines, hang or flood.
    #[arg(long, hide = true)]
    pub role: Option<String>,
    /// Internal: the child's number, in the lines role.
    #[arg(long, hide = true, default_value_t = 1)]
    pub id: u32,
    /// Internal: the parent's pid; the child ends when its parent is another.
    #[arg(long, hide = true, default_value_t = 0)]
    pub parent: u32,
}

pub fn run(role: &str, args: &Args) -> anyhow::Result<()> {
    end_with_the_parent(args.child.parent);
    let mut out = std::io::stdout().lock();
    match role {
        "lines" => {
            for n in 1..=args.lines {
                std::thread::sleep(Duration::from_millis(args.every_ms));
                let line = format!(
                    "child {} (every {} ms): line {n}",
                    args.child.id, args.every_ms
                );
                if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                    return Ok(()); // the parent stopped reading: nothing more to say
                }
            }
        }
        "hang" => loop {
            std::thread::sleep(Duration::from_secs(3600));
        },
        "flood" => {
            let chunk = [b'x'; 4096];
            let mut written = 0u64;
            while written < args.flood_kib * 1024 {
                // Blocks here once the pipe is full, until the parent reads.
                if out.write_all(&chunk).is_err() {
                    return Ok(());
                }
                written += chunk.len() as u64;
                let _ = writeln!(std::io::stderr(), "wrote {written}");
            }
        }
        other => anyhow::bail!("no such child role: {other}"),
    }
    Ok(())
}

/// A thread that ends this process once its parent is no longer `parent` (the parent ended
/// and the child was handed to another process), however the parent ended.
fn end_with_the_parent(parent: u32) {
    let _ = std::thread::Builder::new()
        .name("watch parent".into())
        .spawn(move || {
            loop {
                if std::os::unix::process::parent_id() != parent {
                    std::process::exit(3);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
}
