//! The minimal program: the fetch waits about 100 ms, the two CPU steps take far less,
//! and the file it wrote is gone again.

mod common;
mod local;

use local::TempDir;

#[test]
fn save_headers_times_io_above_cpu_and_leaves_nothing() {
    let (cwd, tmp) = (TempDir::new("ex-cwd"), TempDir::new("ex-tmp"));
    let out = local::command(common::example("save_headers"), &cwd.0, &tmp.0)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", local::stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let ms = |step: &str| -> f64 {
        let line = stdout.lines().find(|l| l.starts_with(step)).expect(step);
        let value = line.split_whitespace().nth(2).expect(line);
        value.parse().unwrap()
    };
    assert!(stdout.lines().any(|l| l.starts_with("fetch   I/O")));
    assert!(stdout.lines().any(|l| l.starts_with("format  CPU")));
    assert!(ms("fetch") >= 100.0, "{stdout}");
    assert!(ms("format") + ms("join") < ms("fetch") / 10.0, "{stdout}");
    assert!(stdout.contains("4 header lines written to "));
    assert!(stdout.ends_with(
        "content-type: text/plain\ncontent-length: 5\nserver: save-headers\nconnection: close\n"
    ));
    assert_eq!(tmp.entries(), 0, "the example left its file behind");
    assert_eq!(cwd.entries(), 0);
}
