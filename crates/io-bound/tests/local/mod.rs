//! Helpers only io-bound's tests use: the program run without proxy settings, its
//! summary; and (burst.rs) a burst of clients connecting at once.
#![allow(dead_code)] // each test file uses its own part of these

pub mod burst;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Output};

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

/// The summary line of a finished run.
pub fn summary_of(out: &Output) -> HashMap<String, String> {
    super::common::summary(&String::from_utf8_lossy(&out.stdout))
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
