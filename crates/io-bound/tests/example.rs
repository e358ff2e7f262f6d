//! The minimal program: 100 requests of 100 ms on one thread finish in about 0.1 s.

mod common;
mod local;

#[test]
fn download_sites_overlaps_a_hundred_waits() {
    let out = local::command(common::example("download_sites"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", local::stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().next().unwrap_or_default();
    let rest = line
        .strip_prefix("Downloaded 100 sites (500 bytes) in ")
        .expect(line);
    let secs: f64 = rest.strip_suffix(" seconds").expect(line).parse().unwrap();
    // One after another the waits alone would take 10 s.
    assert!((0.1..3.0).contains(&secs), "{line}");
}
