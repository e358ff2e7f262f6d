//! The minimal program, run as a learner runs it: the non-blocking read says WouldBlock
//! at once, the blocking one waits for its timeout, then gets the bytes.

mod common;

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
        common::first_line_then_close(&common::example("wouldblock"), &[]);
    assert!(first.starts_with("non-blocking read"), "{first}");
    assert_eq!((status.code(), stderr.as_str()), (Some(0), ""));

    let demo = std::path::PathBuf::from(common::BIN);
    let args = [
        "--clients",
        "2",
        "--delay-ms",
        "20",
        "--read-timeout-ms",
        "20",
    ];
    let (first, status, stderr) = common::first_line_then_close(&demo, &args);
    assert!(first.starts_with("part one"), "{first}");
    assert_eq!((status.code(), stderr.as_str()), (Some(0), ""));
}
