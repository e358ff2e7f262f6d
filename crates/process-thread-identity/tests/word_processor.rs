//! Part two, the notes' word processor, run as a user runs it: one process, four named
//! threads sharing one document. The counts are exact; the share of each thread's life
//! spent waiting is asserted with a wide margin (a busy machine only makes it larger:
//! time spent waiting for a core is not CPU time).

mod common;

use std::process::Command;

use common::{number, summary};

const BIN: &str = env!("CARGO_BIN_EXE_process-thread-identity");

fn check(mut program: Command) {
    let out = program
        .args(["--key-ms", "3", "--autosave-ms", "20"])
        .output()
        .expect("the program runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = summary(&stdout);
    // One process: the four threads are the OS's, counted by the kernel, beside main.
    assert_eq!(
        number(&s, "editor_threads"),
        number(&s, "threads_after") + 4.0,
        "{stdout}"
    );
    for name in ["keystrokes", "display", "autosave", "spelling"] {
        assert!(
            stdout.lines().any(|l| l.starts_with(&format!("{name} "))),
            "no row for {name}: {stdout}"
        );
    }
    assert_eq!(number(&s, "typed"), 50.0);
    let redrew = number(&s, "redrew");
    assert!((1.0..=50.0).contains(&redrew), "redrew {redrew} times");
    assert!(number(&s, "saved") >= 1.0, "{stdout}");
    assert_eq!(number(&s, "misspelt"), 2.0, "{stdout}");
    assert!(stdout.contains("2 misspelt: teh recieve"), "{stdout}");
    assert_eq!(s["autosave_equal"], "true", "{stdout}");
    // One document, shared: every thread found its text at the same address.
    assert!(
        stdout.contains("every thread found the document") && stdout.contains(": true (one copy"),
        "{stdout}"
    );
    let waiting = number(&s, "least_waiting_pct");
    assert!(
        waiting > 50.0,
        "a thread waited only {waiting}% of its life: {stdout}"
    );
    assert_eq!(number(&s, "ideal_s"), 0.15, "50 keys x 3 ms");
}

#[test]
fn four_threads_share_one_document_and_mostly_wait() {
    check(Command::new(BIN));
}

#[test]
fn the_python_twins_word_processor_does_the_same() {
    match common::python_twin() {
        Some(twin) => check(twin),
        None => println!("python3 not found: skipped the twin's word processor"),
    }
}
