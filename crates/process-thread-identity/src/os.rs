//! Asking the operating system: the thread count, the calling thread's kernel id and its
//! kernel name, one small function per question and OS behind `#[cfg(target_os = ...)]`.

#[cfg(target_os = "linux")]
pub const THREAD_COUNT_SOURCE: &str = "/proc/self/task (one entry per thread)";
#[cfg(target_os = "macos")]
pub const THREAD_COUNT_SOURCE: &str = "proc_pidinfo(PROC_PIDTASKINFO).pti_threadnum";
#[cfg(not(any(target_os = "linux", target_os = "macos")))]
pub const THREAD_COUNT_SOURCE: &str = "(not supported on this OS)";

/// Linux keeps one directory per thread under /proc/self/task.
#[cfg(target_os = "linux")]
pub fn os_thread_count() -> anyhow::Result<usize> {
    use anyhow::Context;
    let entries = std::fs::read_dir("/proc/self/task")
        .context("cannot read /proc/self/task; is /proc mounted?")?;
    Ok(entries.filter(|e| e.is_ok()).count())
}

/// macOS has no /proc; the documented way is proc_pidinfo with PROC_PIDTASKINFO.
#[cfg(target_os = "macos")]
pub fn os_thread_count() -> anyhow::Result<usize> {
    use anyhow::Context;
    use nix::libc;
    // SAFETY: proc_taskinfo is plain integers, so all-zero bytes are a valid value.
    let mut info: libc::proc_taskinfo = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::proc_taskinfo>() as libc::c_int;
    let pid = std::process::id() as libc::c_int;
    // SAFETY: the kernel writes at most `size` bytes into `info`, which lives for the call.
    let written =
        unsafe { libc::proc_pidinfo(pid, libc::PROC_PIDTASKINFO, 0, (&raw mut info).cast(), size) };
    if written != size {
        return Err(std::io::Error::last_os_error())
            .context("cannot count threads: proc_pidinfo(PROC_PIDTASKINFO) failed");
    }
    usize::try_from(info.pti_threadnum).with_context(|| {
        format!(
            "proc_pidinfo gave a negative thread count {}",
            info.pti_threadnum
        )
    })
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
pub fn os_thread_count() -> anyhow::Result<usize> {
    anyhow::bail!("counting threads is implemented for Linux and macOS only; run it there")
}

/// The kernel's id of the calling thread (gettid(2)).
#[cfg(target_os = "linux")]
pub fn os_thread_id() -> anyhow::Result<u64> {
    Ok(nix::unistd::gettid().as_raw() as u64)
}

/// macOS: pthread_threadid_np gives the system-wide thread id.
#[cfg(target_os = "macos")]
pub fn os_thread_id() -> anyhow::Result<u64> {
    use nix::libc;
    let mut id: u64 = 0;
    // SAFETY: pthread_self() is the calling thread, alive for the call; `id` is writable.
    let rc = unsafe { libc::pthread_threadid_np(libc::pthread_self(), &mut id) };
    if rc != 0 {
        anyhow::bail!("pthread_threadid_np failed with {rc}; cannot tell the thread's id");
    }
    Ok(id)
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
pub fn os_thread_id() -> anyhow::Result<u64> {
    anyhow::bail!("thread ids are implemented for Linux and macOS only; run it there")
}

/// The name the kernel holds for the calling thread: std passes Builder::name down to it
/// (Linux keeps the first 15 bytes).
#[cfg(target_os = "linux")]
pub fn os_thread_name() -> Option<String> {
    let comm = std::fs::read_to_string("/proc/thread-self/comm").ok()?;
    Some(comm.trim_end().to_string())
}

#[cfg(not(target_os = "linux"))]
pub fn os_thread_name() -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_ids_differ_between_threads() {
        let main_id = os_thread_id().unwrap();
        let other = std::thread::spawn(|| os_thread_id().unwrap())
            .join()
            .unwrap();
        assert_ne!(main_id, other);
    }
}
