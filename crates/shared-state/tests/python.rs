//! Runs the Python twin, when python3 is installed, and checks the same claims.

mod common;

use std::process::Command;

use common::{SCENARIO, assert_shared_state, summary};

#[test]
fn the_python_twin_loses_the_same_updates() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/shared-state.py");
    let Ok(out) = Command::new("python3").arg(script).args(SCENARIO).output() else {
        eprintln!("python3 not found: skipping the Python twin of shared-state");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_shared_state(&summary(&String::from_utf8(out.stdout).unwrap()));
}
