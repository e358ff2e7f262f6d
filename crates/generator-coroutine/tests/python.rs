//! The Python twin (python/generator-coroutine.py) runs to completion with small parameters
//! and makes the same claims: every style plays the notes' dialogue, n exchanges, and the
//! consumer closes cleanly. Skipped, with a message, when python3 is absent.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

#[test]
fn python_twin_plays_the_same_dialogue_in_every_style() {
    let present = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        eprintln!("python3 not found on PATH: skipping the Python twin test");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/generator-coroutine.py");
    let out = Command::new("python3")
        .arg(script)
        .args(["--n", "3", "--time-exchanges", "1000"])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "generator-coroutine.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches("[CONSUMER] Consuming 3").count(), 3);
    let s: HashMap<&str, &str> = stdout
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("summary: "))
        .expect("last line is the summary")
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .collect();
    for key in [
        "exchanges_generator",
        "exchanges_state_machine",
        "exchanges_async",
    ] {
        assert_eq!(s[key], "3", "{key}");
    }
    assert_eq!(s["dialogues_equal"], "true");
    assert_eq!(s["closed_cleanly"], "true");
    assert_eq!(s["two_way_equal"], "true");
    assert_eq!(s["ideal_s"], "0.000");
}
