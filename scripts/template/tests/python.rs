//! Runs the Python twin, when python3 is installed, and checks the same claim.

mod common;

use std::process::Command;

use common::{number, summary};

#[test]
fn the_python_twin_sleeps_at_least_as_long() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/__NAME__.py");
    let Ok(out) = Command::new("python3").args([script, "--delay-ms", "50"]).output() else {
        eprintln!("python3 not found: skipping the Python twin of __NAME__");
        return;
    };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = summary(&String::from_utf8(out.stdout).unwrap());
    assert!(number(&s, "slept_s") >= 0.050);
}
