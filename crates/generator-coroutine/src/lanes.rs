//! The harness behind `--trace`: a coroutine wrapped so that each `resume` is a slice on
//! the generator's track (`send(3) -> yields "200 OK from iter 3"`) and the time between
//! two resumes a slice on the caller's track (`producer runs`). One group per dialogue
//! and style; the two tracks take turns, never both at once: that is what a coroutine is.

use std::fmt::Debug;
use std::time::Instant;

use crate::trace::{Trace, Track};
use crate::{Coroutine, Step};

pub struct Traced<'a, C: ?Sized> {
    inner: &'a mut C,
    trace: &'a Trace,
    caller: (Track, &'static str),
    callee: Track,
    /// When the caller got the thread back last.
    since: Instant,
}

impl<'a, C: ?Sized> Traced<'a, C> {
    /// `group`: the dialogue's row; `caller` and `callee` name its two tracks.
    pub fn new(
        inner: &'a mut C,
        trace: &'a Trace,
        group: &str,
        caller: &'static str,
        callee: &str,
    ) -> Self {
        let g = trace.group(group);
        let (caller_track, callee) = (trace.track(g, caller), trace.track(g, callee));
        Traced {
            inner,
            trace,
            caller: (caller_track, caller),
            callee,
            since: Instant::now(),
        }
    }

    fn around<T>(
        &mut self,
        what: String,
        call: impl FnOnce(&mut C) -> T,
        named: impl FnOnce(&T) -> String,
    ) -> T {
        if !self.trace.is_on() {
            return call(self.inner);
        }
        let called = Instant::now();
        let (track, name) = self.caller;
        self.trace.slice(
            track,
            "caller runs",
            &format!("{name} runs"),
            self.since,
            called,
        );
        let out = call(self.inner);
        let back = Instant::now();
        let slice = format!("{what} -> {}", named(&out));
        self.trace
            .slice(self.callee, "generator runs", &slice, called, back);
        self.since = back;
        out
    }
}

/// Python's spelling of a value sent: `None`, `3` (Rust's Debug says `Some(3)`).
fn py(value: &impl Debug) -> String {
    let debug = format!("{value:?}");
    match debug
        .strip_prefix("Some(")
        .and_then(|v| v.strip_suffix(')'))
    {
        Some(inner) => inner.to_string(),
        None => debug,
    }
}

impl<C> Coroutine for Traced<'_, C>
where
    C: Coroutine + ?Sized,
    C::Input: Debug,
    C::Yield: Debug,
    C::Return: Debug,
{
    type Input = C::Input;
    type Yield = C::Yield;
    type Return = C::Return;

    fn resume(&mut self, input: C::Input) -> Step<C::Yield, C::Return> {
        let what = format!("send({})", py(&input));
        self.around(
            what,
            |c| c.resume(input),
            |step| match step {
                Step::Yielded(y) => format!("yields {y:?}"),
                Step::Returned(r) => format!("returns {r:?} (StopIteration)"),
                Step::Closed => "already finished (StopIteration)".into(),
            },
        )
    }

    fn close(&mut self) {
        self.around("close()".into(), |c| c.close(), |_| "closed".into());
    }
}

/// Writes the trace; the error says what to do.
pub fn write(trace: &Trace, path: &std::path::Path) -> std::io::Result<()> {
    trace.write(path).map_err(|e| {
        let hint = "check that its folder exists";
        std::io::Error::new(
            e.kind(),
            format!("cannot write the trace to {}; {hint}: {e}", path.display()),
        )
    })?;
    println!(
        "trace written to {} (open it in ui.perfetto.dev or vizviewer)",
        path.display()
    );
    Ok(())
}
