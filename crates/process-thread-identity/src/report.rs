//! The harness: the closing summary line and the closed-pipe hook.

use std::fmt;

/// What the run measured, printed last as the `summary:` line.
pub struct Summary {
    pub pid: u32,
    /// The kernel's thread count before, while the started threads live, and after join.
    pub before: usize,
    pub during: usize,
    pub after: usize,
    pub started: u32,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // ideal_s is 0: the demo has no deliberate waits.
        write!(
            f,
            "summary: pid={} threads_before={} threads_during={} threads_after={} started={} ideal_s=0.000",
            self.pid, self.before, self.during, self.after, self.started
        )
    }
}

/// `demo | head` closes the pipe early, and the next `println!` then panics with
/// "Broken pipe". The reader is done, the program is not wrong: end quietly, status 0.
pub fn end_quietly_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.to_string().contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
