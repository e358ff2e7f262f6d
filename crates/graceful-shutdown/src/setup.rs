//! The runtime the demo builds by hand, and the Ctrl-C it presses on itself.

use std::time::Duration;

use anyhow::Context;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::runtime::{Builder, Runtime};
use tokio::task::JoinHandle;

/// What `#[tokio::main]` builds (two workers here), as a value the demo can drop.
pub fn tokio_main() -> anyhow::Result<Runtime> {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the runtime's threads; check the process's limits (ulimit -u, -v)")
}

/// Sends this process SIGINT after `delay`, as a Ctrl-C would; abort it to take it back.
pub fn press_ctrl_c_after(delay: Duration) -> JoinHandle<nix::Result<()>> {
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        kill(Pid::this(), Signal::SIGINT)
    })
}
