//! What every demo does with its output: the closing `summary:` line, and what happens when
//! the output cannot be written. This file is the same in every crate (`make test` compares
//! each copy with scripts/template/src/output.rs): change it there, then copy it.

use std::fmt;

/// Writes `summary: key=value ...` from a list of keys and their values, in that order: the
/// line that tests and scripts read. Values are plain numbers or words, never spaces.
pub fn write_summary(f: &mut fmt::Formatter<'_>, fields: &[(&str, String)]) -> fmt::Result {
    f.write_str("summary:")?;
    for (key, value) in fields {
        write!(f, " {key}={value}")?;
    }
    Ok(())
}

/// Rust ignores SIGPIPE, so once stdout cannot take a line, the next `println!` panics:
/// "Broken pipe" when the reader has gone (`demo | head`), "No space left on device" when
/// the disk is full. Neither is a bug in the demo. A closed pipe means the reader is done:
/// end quietly, status 0. Any other write error: one `error:` line, status 1. It exits at
/// once, skipping destructors, so a demo that must clean up does so before it prints.
pub fn exit_when_output_fails() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.to_string();
        let Some((_, why)) = message.split_once("failed printing to stdout: ") else {
            return default_hook(info);
        };
        if why.contains("Broken pipe") {
            std::process::exit(0);
        }
        let why = why.split(" (os error").next().unwrap_or(why);
        eprintln!("error: cannot write the output ({why}); free some space or write elsewhere");
        std::process::exit(1);
    }));
}
