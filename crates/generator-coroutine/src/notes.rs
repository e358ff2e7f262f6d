//! What the notes' two programs print, line for line: the yardstick both styles are held
//! to. (Run as written, the notes' two-way snippet stops at once with a NameError: it
//! never creates `gen`. With `gen = interactive_generator()` added it prints the six lines
//! below.)

/// The notes' producer and consumer, with `n` messages (the notes send 5: 15 lines).
pub fn producer_consumer(n: u32) -> Vec<String> {
    (1..=n)
        .flat_map(|i| {
            [
                format!("[PRODUCER] Producing {i}"),
                format!("[CONSUMER] Consuming {i}"),
                format!("[PRODUCER] Consumer return: 200 OK from iter {i}"),
            ]
        })
        .collect()
}

/// The notes' two-way generator, sent None, 10 and 20.
pub fn two_way() -> Vec<String> {
    [
        "Generator started",
        "Ready",
        "Received: 10",
        "Got 10",
        "Received: 20",
        "Final: 20",
    ]
    .map(String::from)
    .to_vec()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_notes_producer_prints_fifteen_lines_for_five_messages() {
        let lines = super::producer_consumer(5);
        assert_eq!(lines.len(), 15);
        assert_eq!(lines[0], "[PRODUCER] Producing 1");
        assert_eq!(lines[14], "[PRODUCER] Consumer return: 200 OK from iter 5");
    }
}
