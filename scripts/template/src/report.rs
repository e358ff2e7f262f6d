//! The harness: the closing summary line and the closed-pipe hook.

use std::fmt;
use std::time::Duration;

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
        write!(
            f,
            "summary: delay_ms={} slept_s={slept:.3} ratio={:.3} ideal_s={delay:.3}",
            self.delay.as_millis(),
            slept / delay
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
