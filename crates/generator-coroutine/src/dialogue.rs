//! Where both sides of a dialogue speak. `say` prints a line the notes' Python prints too,
//! and keeps it for the check; `note` prints the demo's own narration (the start, the
//! close, the end of the consumer's loop) as a separate `  # ` line the check skips.

use std::cell::RefCell;
use std::fmt;

use crate::Style;

/// The prefix of a narration line: what the notes' programs never print.
pub const NOTE: &str = "  # ";

pub struct Dialogue {
    lines: RefCell<Vec<String>>,
    notes: RefCell<Vec<String>>,
    silent: bool,
}

impl Dialogue {
    /// `silent`: print and keep nothing (for timing).
    pub fn new(silent: bool) -> Self {
        Dialogue {
            lines: RefCell::new(Vec::new()),
            notes: RefCell::new(Vec::new()),
            silent,
        }
    }

    /// A dialogue that speaks, under its heading: `== (a) ...: producer and consumer ==`.
    pub fn headed(style: Style, part: &str) -> Self {
        println!("== {}: {part} ==", style.title());
        Dialogue::new(false)
    }

    pub fn say(&self, line: fmt::Arguments<'_>) {
        if !self.silent {
            let line = line.to_string();
            println!("{line}");
            self.lines.borrow_mut().push(line);
        }
    }

    pub fn note(&self, line: fmt::Arguments<'_>) {
        if !self.silent {
            let line = line.to_string();
            println!("{NOTE}{line}");
            self.notes.borrow_mut().push(line);
        }
    }

    /// The lines said, without the narration.
    pub fn lines(&self) -> Vec<String> {
        self.lines.borrow().clone()
    }

    pub fn last_note(&self) -> Option<String> {
        self.notes.borrow().last().cloned()
    }
}

/// Python's way of printing an optional value, so the dialogue reads like the notes'.
pub fn show(value: Option<i64>) -> String {
    value.map_or_else(|| "None".to_string(), |v| v.to_string())
}
