//! The harness: the closing summary line.

use std::fmt;
use std::time::Duration;

use crate::output::write_summary;

/// The figures this run measured, printed as the closing `summary:` line.
pub struct Summary {
    delay: Duration,
    slept: Duration,
}

impl Summary {
    pub fn new(delay: Duration, slept: Duration) -> Self {
        Summary { delay, slept }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (delay, slept) = (self.delay.as_secs_f64(), self.slept.as_secs_f64());
        write_summary(
            f,
            &[
                ("delay_ms", self.delay.as_millis().to_string()),
                ("slept_s", format!("{slept:.3}")),
                ("ratio", format!("{:.3}", slept / delay)),
                ("ideal_s", format!("{delay:.3}")),
            ],
        )
    }
}
