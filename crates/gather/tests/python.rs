//! The Python twin (python/gather.py) runs to completion with small parameters and makes
//! the same claims as the Rust program. Skipped, with a message, when python3 is absent.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

fn python3_present() -> bool {
    Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run_python(args: &[&str]) -> Option<(Vec<String>, HashMap<String, String>)> {
    if !python3_present() {
        eprintln!("python3 not found on PATH: skipping the Python twin test");
        return None;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/gather.py");
    let out = Command::new("python3")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "gather.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let last = stdout.lines().last().expect("some output").to_string();
    let summary = last
        .strip_prefix("summary: ")
        .expect("last line is the summary")
        .split_whitespace()
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("key=value");
            (k.to_string(), v.to_string())
        })
        .collect();
    let words = stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| *w == "One" || *w == "Two")
        .map(str::to_string)
        .collect();
    Some((words, summary))
}

#[test]
fn python_gather_overlaps_the_sleeps() {
    let Some((words, s)) = run_python(&["--count", "3", "--delay-ms", "200"]) else {
        return;
    };
    assert_eq!(words, ["One", "One", "One", "Two", "Two", "Two"]);
    assert_eq!(s["mode"], "gather");
    assert_eq!(s["order_ok"], "true");
    let elapsed: f64 = s["elapsed_s"].parse().unwrap();
    assert!((0.19..0.4).contains(&elapsed), "{elapsed}");
}

#[test]
fn python_blocking_sleep_adds_up() {
    let Some((words, s)) = run_python(&["--blocking", "--count", "3", "--delay-ms", "100"]) else {
        return;
    };
    assert_eq!(words, ["One", "Two", "One", "Two", "One", "Two"]);
    assert_eq!(s["mode"], "blocking");
    assert_eq!(s["order_ok"], "true");
    let elapsed: f64 = s["elapsed_s"].parse().unwrap();
    assert!(elapsed >= 0.25, "{elapsed}");
}
