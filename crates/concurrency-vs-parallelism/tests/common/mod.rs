//! Helpers shared by this crate's integration tests.
#![allow(dead_code)] // each test file uses its own subset

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The closing `summary:` line as a map from key to value.
pub fn summary(stdout: &str) -> HashMap<String, String> {
    let line = stdout.lines().last().expect("output is empty");
    let rest = line
        .strip_prefix("summary: ")
        .unwrap_or_else(|| panic!("last line is not a summary: {line}"));
    rest.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The value of `key` in the closing `summary:` line.
pub fn value(stdout: &str, key: &str) -> String {
    summary(stdout)
        .remove(key)
        .unwrap_or_else(|| panic!("no {key} in the summary of:\n{stdout}"))
}

/// The example `name`, built by `cargo test` before it runs the tests.
pub fn example(name: &str) -> PathBuf {
    let mut dir = std::env::current_exe().unwrap(); // target/<profile>/deps/<test>
    dir.pop();
    dir.pop();
    let path = dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} not built: run `cargo test -p concurrency-vs-parallelism` (it builds examples)",
        path.display()
    );
    path
}

/// Runs `command`, reads its first line, closes the pipe, and returns that line, the
/// program's stderr and whether it exited with status 0.
pub fn first_line_then_close(mut command: Command) -> (String, String, bool) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the program");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .expect("read the first line");
    // The reader is dropped here: the pipe is closed with output still to come.
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().expect("wait for the program");
    (first, stderr, status.success())
}

/// `taskset -c CORE program`, as a command line, with CORE the first core this test may
/// run on (Linux's /proc/self/status); None where there is no taskset (macOS, ...).
pub fn on_one_core(program: &str) -> Option<Vec<String>> {
    let ok = Command::new("taskset")
        .arg("--version")
        .output()
        .ok()?
        .status
        .success();
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let list = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))?;
    let first = list.trim().split([',', '-']).next()?.to_string();
    ok.then(|| vec!["taskset".into(), "-c".into(), first, program.into()])
}

/// The number under `key` in the closing `summary:` line.
pub fn number(stdout: &str, key: &str) -> f64 {
    value(stdout, key).parse().expect("not a number")
}
