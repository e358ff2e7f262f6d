//! The open-file limit: the demo's clients and the server's connections are in this one
//! process, two descriptors per client, so 1,000 clients need about 2,100 open files.

use anyhow::{Context, bail};

/// Raise the soft RLIMIT_NOFILE toward the hard one if it is too low for `clients`, or
/// fail with one line naming `--clients` before the first connect fails. Says when it
/// raised the limit.
pub fn make_room_for(clients: usize) -> anyhow::Result<()> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let needed = 2 * clients as u64 + 64;
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)
        .context("cannot read the open-file limit (RLIMIT_NOFILE)")?;
    if soft >= needed {
        return Ok(());
    }
    if hard < needed {
        bail!(
            "--clients {clients} needs about {needed} open files (two per client: its end and \
             the server's), but the hard limit RLIMIT_NOFILE is {hard} (see `ulimit -Hn`); \
             use fewer --clients or raise the limit"
        );
    }
    setrlimit(Resource::RLIMIT_NOFILE, needed, hard).with_context(|| {
        format!(
            "cannot raise the soft open-file limit from {soft} to {needed}; run `ulimit -n \
             {needed}` first or use fewer --clients"
        )
    })?;
    println!("raised the soft open-file limit (RLIMIT_NOFILE) from {soft} to {needed}");
    Ok(())
}

/// The OS threads of this process: all of them, and those named `name` (Linux's /proc;
/// (0, 0) elsewhere, where the table says so).
pub fn threads_named(name: &str) -> (usize, usize) {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return (0, 0);
    };
    let comms: Vec<String> = tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .collect();
    let named = comms.iter().filter(|c| c.trim_end() == name).count();
    (comms.len(), named)
}
