//! Part two's pinning: the calling thread is held to one core while a `Pinned` lives, and
//! every thread it starts meanwhile inherits that (Linux's `sched_setaffinity` on thread 0,
//! the caller). macOS has no call that pins a thread to a core, so there part two is
//! skipped with a sentence that says so.

/// This thread, held to one core until dropped; then it may use its old cores again.
pub struct Pinned {
    /// The core: the first one this thread was allowed on.
    pub core: usize,
    #[cfg(target_os = "linux")]
    allowed: nix::sched::CpuSet,
}

/// Pins the calling thread to the first core it may use, or says why it cannot.
#[cfg(target_os = "linux")]
pub fn pin_this_thread() -> Result<Pinned, String> {
    use nix::sched::{CpuSet, sched_getaffinity, sched_setaffinity};
    let me = nix::unistd::Pid::from_raw(0); // 0: the calling thread
    let allowed = sched_getaffinity(me).map_err(|e| format!("sched_getaffinity failed ({e})"))?;
    let core = (0..CpuSet::count())
        .find(|&c| allowed.is_set(c).unwrap_or(false))
        .ok_or("this thread may use no core at all")?;
    let mut one = CpuSet::new();
    one.set(core).map_err(|e| format!("no core {core} ({e})"))?;
    sched_setaffinity(me, &one).map_err(|e| format!("sched_setaffinity failed ({e})"))?;
    Ok(Pinned { core, allowed })
}

#[cfg(not(target_os = "linux"))]
pub fn pin_this_thread() -> Result<Pinned, String> {
    Err("this OS has no call to pin a thread to one core (Linux's sched_setaffinity)".into())
}

impl Drop for Pinned {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        let _ = nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &self.allowed);
    }
}
