//! What the demo needs before it runs: its one-thread runtime and its trace.

use std::sync::Arc;

use anyhow::Context;

use crate::trace::Trace;

/// asyncio.run's runtime: one thread, the caller's, with timers.
pub fn one_thread() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .context("cannot start the runtime; check the process's limits (ulimit -u, -v)")
}

/// The run's trace: recording when `--trace` was given, off (recording nothing) otherwise.
pub fn trace(on: bool) -> Arc<Trace> {
    Arc::new(match on {
        true => Trace::new(std::time::Instant::now()),
        false => Trace::off(),
    })
}
