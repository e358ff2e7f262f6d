//! The Python twin runs to completion and its summary line makes the same claims.
//! Skipped (with a message) when python3 is not on PATH.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

#[test]
fn python_twin_overlaps_the_waits_too() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/io-bound.py");
    let out = match Command::new("python3")
        .arg(&script)
        .args(["--requests", "12", "--latency-ms", "100", "--pool", "4"])
        .output()
    {
        Ok(out) => out,
        Err(_) => {
            eprintln!("python3 not found on PATH: skipping the Python twin test");
            return;
        }
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with("summary: "), "last line: {last}");
    let s: HashMap<&str, &str> = last["summary: ".len()..]
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let f = |key: &str| -> f64 { s[key].parse().unwrap() };
    let seq = f("sequential_s");
    assert!(seq >= 1.2);
    assert!(
        f("threads_s") < seq / 3.0,
        "threads {} vs {seq}",
        f("threads_s")
    );
    // asyncio.to_thread's default executor has min(32, cores + 4) threads: 2+ rounds here.
    assert!(f("async_s") < seq / 2.0, "async {} vs {seq}", f("async_s"));
    assert!(f("blocked_async_s") >= 0.7 * seq);
    assert_eq!(s["all_ok"], "true");
    assert_eq!(s["served"], "60");
    assert_eq!(s["peak_sequential"], "1");
    assert_eq!(s["peak_blocked_async"], "1");
    assert!(
        f("peak_threads") >= 2.0,
        "peak_threads {}",
        s["peak_threads"]
    );
}
