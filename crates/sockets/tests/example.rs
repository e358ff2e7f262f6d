//! The minimal program, run as a learner runs it: the non-blocking read says WouldBlock
//! at once, the blocking one waits for its timeout, then gets the bytes.

mod common;
mod local;

use std::process::Command;
use std::time::Duration;

/// "after 3.1µs" / "after 500.2ms" / "after 1.2s" -> a Duration.
fn after(line: &str) -> Duration {
    let t = line.rsplit("after ").next().unwrap().trim();
    let (number, unit) = t.split_at(t.find(|c: char| c.is_alphabetic() || c == 'µ').unwrap());
    let x: f64 = number
        .parse()
        .unwrap_or_else(|_| panic!("no time in {line:?}"));
    let secs = match unit {
        "ns" => x / 1e9,
        "µs" => x / 1e6,
        "ms" => x / 1e3,
        "s" => x,
        _ => panic!("unknown unit in {line:?}"),
    };
    Duration::from_secs_f64(secs)
}

#[test]
fn wouldblock_answers_at_once_and_the_blocking_read_waits() {
    let out = Command::new(common::example("wouldblock"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with("non-blocking read: Err(WouldBlock) after "),
        "{text}"
    );
    assert!(
        lines[1].starts_with("blocking read:     Err(WouldBlock) after "),
        "{text}"
    );
    assert!(
        lines[2].starts_with("blocking read:     Ok(5) \"hello\" after "),
        "{text}"
    );
    // The waiting read took its whole 500 ms timeout; the other two did not wait at all
    // (a wide margin for a busy machine: under 100 ms).
    assert!(after(lines[1]) >= Duration::from_millis(450), "{text}");
    assert!(after(lines[0]) < Duration::from_millis(100), "{text}");
    assert!(after(lines[2]) < Duration::from_millis(100), "{text}");
}

#[test]
fn example_and_binary_end_quietly_on_a_closed_pipe() {
    let (first, status, stderr) =
        common::first_line_then_close(Command::new(common::example("wouldblock")));
    assert!(first.starts_with("non-blocking read"), "{first}");
    assert_eq!((status.code(), stderr.as_str()), (Some(0), ""));

    let args = [
        "--clients",
        "2",
        "--delay-ms",
        "20",
        "--read-timeout-ms",
        "20",
    ];
    let mut demo = Command::new(local::BIN);
    demo.args(args);
    let (first, status, stderr) = common::first_line_then_close(demo);
    assert!(first.starts_with("part one"), "{first}");
    assert_eq!((status.code(), stderr.as_str()), (Some(0), ""));

    // No reader at all from the start: the very first line meets the closed pipe.
    for mut cmd in [
        Command::new(common::example("wouldblock")),
        Command::new(local::BIN),
    ] {
        if cmd.get_program() == local::BIN {
            cmd.args(args);
        }
        let (status, stderr) = common::reader_gone_from_the_start(cmd);
        assert_eq!((status.code(), stderr.as_str()), (Some(0), ""));
    }
}

/// A full disk (or quota): one `error:` line and exit 1 from the binary, its `--serve`,
/// the minimal program and the twin, never a panic or an exit 0 with the output lost.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    use common::assert_one_error_line_on_a_full_disk;
    let mut demo = Command::new(local::BIN);
    demo.args([
        "--clients",
        "2",
        "--delay-ms",
        "10",
        "--read-timeout-ms",
        "10",
    ]);
    assert_one_error_line_on_a_full_disk(demo);
    let mut serve = Command::new(local::BIN);
    serve.args(["--serve", "127.0.0.1:0", "--server", "nonblocking"]);
    assert_one_error_line_on_a_full_disk(serve);
    assert_one_error_line_on_a_full_disk(Command::new(common::example("wouldblock")));
    if let Some(mut py) = common::python_twin() {
        py.args([
            "--clients",
            "2",
            "--delay-ms",
            "10",
            "--read-timeout-ms",
            "10",
        ]);
        assert_one_error_line_on_a_full_disk(py);
    }
}
