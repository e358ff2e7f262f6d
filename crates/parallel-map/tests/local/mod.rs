//! Helpers only this crate's tests use (the shared ones are in tests/common/).
#![allow(dead_code)]

use std::process::Command;

/// `taskset -c <first allowed core> program`, as a command line to run `program` pinned to
/// one core; None (the caller skips, saying so) where taskset or /proc is missing.
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
