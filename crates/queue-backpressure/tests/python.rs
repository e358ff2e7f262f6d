//! Runs the Python twin, when python3 is installed, and checks the same claims.

mod common;

use std::process::Command;

use common::{SCENARIO, assert_backpressure, summary};

#[test]
fn the_python_twin_shows_the_same_backpressure() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/queue-backpressure.py");
    let Ok(out) = Command::new("python3").arg(script).args(SCENARIO).output() else {
        eprintln!("python3 not found: skipping the Python twin of queue-backpressure");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_backpressure(&summary(&String::from_utf8(out.stdout).unwrap()));
}
