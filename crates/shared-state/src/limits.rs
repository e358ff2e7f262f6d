//! Asks for the memory the tasks will need before spawning them, so that a `--tasks` this
//! process cannot hold (under `ulimit -v`) fails with one line that names the flag, instead
//! of an allocation abort halfway through a row.

use anyhow::bail;

/// What one task of a row holds at the row's peak, when every task is spawned and
/// sleeping: tokio's task cell (aligned to 128 bytes) with the future and its timer
/// entry, its JoinHandle, the thread id it hands back, and the allocator's share. 100,000
/// tasks raised the peak RSS by 57 MiB here (/usr/bin/time), some 600 bytes each.
const BYTES_PER_TASK: usize = 640;

/// Fails, saying what to lower, if this process cannot have the memory for `tasks` tasks.
pub fn check_memory_for(tasks: usize) -> anyhow::Result<()> {
    let bytes = tasks * BYTES_PER_TASK;
    let mut probe: Vec<u8> = Vec::new();
    if probe.try_reserve_exact(bytes).is_err() {
        bail!(
            "{tasks} tasks need about {:.0} MiB and this process cannot have it; \
             lower --tasks or raise the memory limit (ulimit -v)",
            bytes as f64 / f64::from(1 << 20)
        );
    }
    Ok(())
}
