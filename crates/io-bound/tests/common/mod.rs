//! Helpers shared by the crate's tests: the summary-line parser, the example's path,
//! and a way to run a program with no proxy settings from the environment.
#![allow(dead_code)] // each test file uses its own part of these

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Output};

/// The `key=value` pairs of the last line, which must be the summary line.
pub fn summary(stdout: &[u8]) -> HashMap<String, String> {
    let stdout = String::from_utf8_lossy(stdout);
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with("summary: "), "last line: {last}");
    last["summary: ".len()..]
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// A summary value as a number.
pub fn num(s: &HashMap<String, String>, key: &str) -> f64 {
    let value = s
        .get(key)
        .unwrap_or_else(|| panic!("missing {key} in {s:?}"));
    value
        .parse()
        .unwrap_or_else(|_| panic!("{key}={value} is not a number"))
}

/// The example `name`, built by `cargo test` before it runs the tests.
pub fn example(name: &str) -> PathBuf {
    let mut dir = std::env::current_exe().unwrap(); // target/<profile>/deps/<test>
    dir.pop();
    dir.pop();
    let path = dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} not built: run `cargo test -p io-bound` (it builds examples)",
        path.display()
    );
    path
}

/// A command for `program` without proxy variables: loopback must stay loopback.
pub fn command(program: impl Into<PathBuf>) -> Command {
    let mut cmd = Command::new(program.into());
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// The demo's binary with `args`, run to the end.
pub fn run(args: &[&str]) -> Output {
    command(env!("CARGO_BIN_EXE_io-bound"))
        .args(args)
        .output()
        .unwrap()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
