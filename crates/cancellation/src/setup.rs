//! What the demo needs before it runs: arguments checked and read, and its runtime.

use std::time::Duration;

use anyhow::Context;
use clap::CommandFactory;
use clap::error::ErrorKind;

use crate::Args;

impl Args {
    /// How long the job waits at its `.await`.
    pub fn work(&self) -> Duration {
        Duration::from_millis(self.work_ms)
    }

    /// When the caller gives up.
    pub fn limit(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

/// asyncio.run's runtime: one thread, the caller's, with timers.
pub fn one_thread() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .context("cannot start the runtime; check the process's limits (ulimit -u, -v)")
}

/// Combinations that parse but cannot show the idea exit 2, naming the flag to change.
pub fn checked(args: Args) -> Args {
    if args.timeout_ms * 2 > args.work_ms {
        let msg = "--timeout-ms must be at most half of --work-ms, or the job may finish before it is cancelled";
        Args::command()
            .error(ErrorKind::ArgumentConflict, msg)
            .exit();
    }
    args
}
