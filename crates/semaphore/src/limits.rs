//! Without a limit, every request holds two sockets at once (the client's and the
//! server's end), and many systems allow a process only 1,024 open files by default.

use nix::sys::resource::{Resource, getrlimit, setrlimit};

/// Raises the soft open-file limit to `needed` if it is lower, within the hard limit.
pub fn allow_open_files(needed: u64) -> Result<(), String> {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)
        .map_err(|e| format!("cannot read the open-file limit: {e}"))?;
    if soft >= needed {
        return Ok(());
    }
    if hard < needed {
        return Err(format!(
            "this many requests need {needed} open files, but the hard limit is {hard} \
             (`ulimit -Hn`); ask for fewer with --requests"
        ));
    }
    setrlimit(Resource::RLIMIT_NOFILE, needed, hard).map_err(|e| {
        format!("cannot raise the open-file limit to {needed}: {e}; try `ulimit -n {needed}`")
    })
}
