//! The minimal program, run as a learner runs it: 40 results, in input order.

mod common;

use std::process::Command;

use common::{example, first_line_then_close, reader_gone_from_the_start};

#[test]
fn the_minimal_program_returns_forty_results_in_input_order() {
    let out = Command::new(example("joblibmap"))
        .output()
        .expect("run joblibmap");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let bs: Vec<u64> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("func(7, ")?.split(')').next()?.parse().ok())
        .collect();
    let expected: Vec<u64> = (0..100).filter(|b| b % 5 > 2).collect();
    assert_eq!(bs, expected, "{stdout}");
    assert!(
        stdout.ends_with("40 results, in the order of the inputs\n"),
        "{stdout}"
    );
}

#[test]
fn the_minimal_program_ends_quietly_on_a_closed_pipe() {
    let (first, status, stderr) = first_line_then_close(Command::new(example("joblibmap")));
    assert!(first.starts_with("func(7, 3) = "), "{first}");
    assert_eq!(stderr, "");
    assert!(status.success(), "{status}");
    // It prints its 41 lines in one burst, which can all be in the pipe before the reader
    // above goes: so also close the pipe before it prints anything, which makes every
    // line after the first meet the closed pipe.
    let (status, stderr) = reader_gone_from_the_start(Command::new(example("joblibmap")));
    assert_eq!(stderr, "");
    assert!(status.success(), "{status}");
}
