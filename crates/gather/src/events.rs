//! The event log: one byte per One or Two, so a million coroutines record two million
//! events cheaply; lines are printed live only when there are few. The order checks and
//! the run-length form (`One x1000000, then Two x1000000`) read this record.

use std::cell::{Cell, RefCell};
use std::time::Instant;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Word {
    One = 1,
    Two = 2,
}

impl Word {
    pub fn name(self) -> &'static str {
        match self {
            Word::One => "One",
            Word::Two => "Two",
        }
    }
}

thread_local! {
    /// Set on the main thread only: an event recorded elsewhere would read `false`.
    static ON_MAIN_THREAD: Cell<bool> = const { Cell::new(false) };
}

pub struct EventLog {
    pub words: RefCell<Vec<Word>>,
    echo: bool,
    pub start: Cell<Instant>,
    pub first_one: Cell<Option<Instant>>,
    pub first_two: Cell<Option<Instant>>,
    pub off_main_thread: Cell<u64>,
}

impl EventLog {
    pub fn new(count: u32, echo: bool) -> Self {
        ON_MAIN_THREAD.set(true);
        EventLog {
            words: RefCell::new(Vec::new()),
            echo,
            start: Cell::new(Instant::now()),
            first_one: Cell::new(None),
            first_two: Cell::new(None),
            off_main_thread: Cell::new(0),
        }
        .with_room_for(count)
    }

    fn with_room_for(self, count: u32) -> Self {
        self.words.borrow_mut().reserve_exact(2 * count as usize);
        self
    }

    /// One byte per event and no clock read except for the first of each word, so that a
    /// million coroutines record two million events in a few milliseconds.
    pub fn record(&self, word: Word, id: u32) {
        self.words.borrow_mut().push(word);
        let first = match word {
            Word::One => &self.first_one,
            Word::Two => &self.first_two,
        };
        if first.get().is_none() {
            first.set(Some(Instant::now()));
        }
        if !ON_MAIN_THREAD.get() {
            self.off_main_thread.set(self.off_main_thread.get() + 1);
        }
        if self.echo {
            let t = self.start.get().elapsed().as_secs_f64();
            println!("{:<4} at {t:6.3} s  (coroutine {id})", word.name());
        }
    }
}

/// Collapse the event sequence into (word, how many in a row).
pub fn run_lengths(words: &[Word]) -> Vec<(Word, u64)> {
    let mut runs: Vec<(Word, u64)> = Vec::new();
    for &w in words {
        match runs.last_mut() {
            Some((last, n)) if *last == w => *n += 1,
            _ => runs.push((w, 1)),
        }
    }
    runs
}

pub fn describe_runs(runs: &[(Word, u64)]) -> String {
    const SHOWN: usize = 6;
    let mut parts: Vec<String> = runs
        .iter()
        .take(SHOWN)
        .map(|(w, n)| format!("{} x{n}", w.name()))
        .collect();
    if runs.len() > SHOWN {
        parts.push(format!("... ({} runs in all)", runs.len()));
    }
    parts.join(", then ")
}

/// Gathered: every "One" before any "Two", N of each.
pub fn is_gathered(words: &[Word], count: u32) -> bool {
    let n = count as usize;
    words.len() == 2 * n
        && words[..n].iter().all(|&w| w == Word::One)
        && words[n..].iter().all(|&w| w == Word::Two)
}

/// Blocked: One, Two, One, Two, ... each coroutine runs start to finish in turn.
pub fn is_alternating(words: &[Word], count: u32) -> bool {
    words.len() == 2 * count as usize && words.chunks(2).all(|pair| pair == [Word::One, Word::Two])
}

#[cfg(test)]
mod tests {
    use super::*;
    use Word::{One, Two};

    #[test]
    fn order_checks_tell_gathered_from_alternating() {
        assert!(is_gathered(&[One, One, Two, Two], 2));
        assert!(!is_gathered(&[One, Two, One, Two], 2));
        assert!(is_alternating(&[One, Two, One, Two], 2));
        assert!(!is_alternating(&[One, One, Two, Two], 2));
        assert!(!is_gathered(&[One, Two], 2), "missing events must fail");
    }

    #[test]
    fn run_length_form_is_compact() {
        let words = [vec![One; 100_000], vec![Two; 100_000]].concat();
        assert_eq!(
            describe_runs(&run_lengths(&words)),
            "One x100000, then Two x100000"
        );
        let alt: Vec<Word> = (0..20)
            .map(|i| if i % 2 == 0 { One } else { Two })
            .collect();
        assert!(describe_runs(&run_lengths(&alt)).ends_with("(20 runs in all)"));
    }
}
