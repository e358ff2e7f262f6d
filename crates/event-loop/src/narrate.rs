//! The trace of the scratch loop: one line per scheduling decision, stamped with the time
//! since the loop started. The executor and the reactor both write to it, so it lives
//! here, apart from both.

use std::fmt;
use std::time::Instant;

/// Prints one scheduling decision a line, stamped with the time since start.
#[derive(Clone, Copy)]
pub struct Narrator {
    pub start: Instant,
    pub on: bool,
}

impl Narrator {
    pub fn line(&self, what: fmt::Arguments) {
        if self.on {
            let at = format!("+{:.3}s", self.start.elapsed().as_secs_f64());
            println!("  {at:>8}  {what}");
        }
    }
    pub fn offset_ms(&self, at: Instant) -> u128 {
        at.saturating_duration_since(self.start).as_millis()
    }
}
