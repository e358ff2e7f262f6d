//! The harness: the closing summary line.

use std::fmt;

use crate::output::write_summary;

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
        write_summary(
            f,
            &[
                ("pid", self.pid.to_string()),
                ("threads_before", self.before.to_string()),
                ("threads_during", self.during.to_string()),
                ("threads_after", self.after.to_string()),
                ("started", self.started.to_string()),
                ("ideal_s", "0.000".to_string()),
            ],
        )
    }
}
