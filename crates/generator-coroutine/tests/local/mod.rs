//! Helpers only generator-coroutine's tests use: what the notes' two programs print, and
//! how to pick a style's lines out of the demo's output.
#![allow(dead_code)] // each test file uses its own part of these

/// The lines printed under the heading that starts with `heading`, up to the next heading
/// or blank line.
pub fn section(text: &str, heading: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| !l.starts_with(heading))
        .skip(1)
        .take_while(|l| !l.starts_with("==") && !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The lines the notes' programs print: everything but the demo's `  # ` narration.
pub fn without_narration(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| !l.starts_with("  # "))
        .cloned()
        .collect()
}

/// The notes' producer/consumer output for five messages, as the notes' Python prints it.
pub const NOTES_PRODUCER_CONSUMER: [&str; 15] = [
    "[PRODUCER] Producing 1",
    "[CONSUMER] Consuming 1",
    "[PRODUCER] Consumer return: 200 OK from iter 1",
    "[PRODUCER] Producing 2",
    "[CONSUMER] Consuming 2",
    "[PRODUCER] Consumer return: 200 OK from iter 2",
    "[PRODUCER] Producing 3",
    "[CONSUMER] Consuming 3",
    "[PRODUCER] Consumer return: 200 OK from iter 3",
    "[PRODUCER] Producing 4",
    "[CONSUMER] Consuming 4",
    "[PRODUCER] Consumer return: 200 OK from iter 4",
    "[PRODUCER] Producing 5",
    "[CONSUMER] Consuming 5",
    "[PRODUCER] Consumer return: 200 OK from iter 5",
];

/// The notes' two-way generator, with `gen = interactive_generator()` added.
pub const NOTES_TWO_WAY: [&str; 6] = [
    "Generator started",
    "Ready",
    "Received: 10",
    "Got 10",
    "Received: 20",
    "Final: 20",
];
