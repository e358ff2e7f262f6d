//! Runs the Python twin, when python3 is installed, with small parameters, and checks the
//! claims its summary line makes (wide margins: the machine may be busy).

mod common;

use std::process::Command;

use common::{number, value};

#[test]
fn python_twin_shows_preemption_and_starvation() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/multitasking.py");
    let args = [
        script,
        "--threads",
        "3",
        "--duration-ms",
        "600",
        "--sample-ms",
        "100",
        "--tick-ms",
        "50",
        "--spin-ms",
        "300",
    ];
    let Ok(out) = Command::new("python3").args(args).output() else {
        println!("python3 not found: skipped the Python twin of multitasking");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(value(&stdout, "threads"), "3");
    assert_eq!(value(&stdout, "threads_all_progressed"), "true");
    let starved = number(&stdout, "worst_late_spin_ms");
    let yielding = number(&stdout, "worst_late_yield_ms");
    assert!(
        starved >= 150.0,
        "asyncio ticker beside the hog was only {starved} ms late"
    );
    assert!(
        yielding < 100.0,
        "asyncio ticker beside the yielder was {yielding} ms late"
    );
}
