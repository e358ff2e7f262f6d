//! Helpers only this crate's tests use.
#![allow(dead_code)] // each test file uses its own part of these

use std::process::Command;

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
