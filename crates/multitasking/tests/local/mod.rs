//! Helpers only this crate's tests use.
#![allow(dead_code)] // each test file uses its own part of these

use std::process::{Command, Output};

/// The address-space limit the tests run the programs under (`ulimit -v`, in KiB): about
/// 290 MiB, room for some threads and far too little for thousands of 2 MiB stacks.
pub const MEMORY_LIMIT_KIB: &str = "300000";

/// Runs `program args...` under `ulimit -v` [`MEMORY_LIMIT_KIB`], as a user who set it.
pub fn under_a_memory_limit(program: &str, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_LIMIT_KIB}; exec \"$0\" \"$@\""))
        .arg(program)
        .args(args)
        .output()
        .expect("sh runs")
}

/// Checks that a run ended with status 1 and exactly one `error:` line that names every
/// one of `words` (the flag to lower, the limit), and returns that line.
pub fn assert_one_error_line(out: &Output, words: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{}: {stderr}", out.status);
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines.len() == 1 && lines[0].starts_with("error: "),
        "one error line expected, not:\n{stderr}"
    );
    for word in words {
        assert!(lines[0].contains(word), "{word:?} missing in: {stderr}");
    }
    stderr
}
