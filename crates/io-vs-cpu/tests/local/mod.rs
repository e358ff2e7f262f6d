//! Helpers only io-vs-cpu's tests use: a throwaway directory, and the demo run in one with
//! no proxy settings from the environment.
#![allow(dead_code)] // each test file uses its own part of these

pub mod burst;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh, empty directory under the system temp dir; removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::SeqCst);
        let name = format!("io-vs-cpu-test-{}-{n}-{tag}", std::process::id());
        let dir = std::env::temp_dir().join(name);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn entries(&self) -> usize {
        fs::read_dir(&self.0).unwrap().count()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// `program` in `cwd`, with TMPDIR pointing at `tmp` and no proxy variables.
pub fn command(program: impl AsRef<Path>, cwd: &Path, tmp: &Path) -> Command {
    let mut cmd = Command::new(program.as_ref());
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
    cmd.current_dir(cwd).env("TMPDIR", tmp);
    cmd
}

/// The demo's binary with `args`, run to the end.
pub fn run(args: &[&str], cwd: &Path, tmp: &Path) -> Output {
    command(env!("CARGO_BIN_EXE_io-vs-cpu"), cwd, tmp)
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

/// Every key of the summary line is a figure the reader can find, named the same, in the
/// lines above it; and the line stays short enough to read (about 300 characters).
pub fn assert_every_key_is_named_above(stdout: &str) {
    let (above, line) = stdout
        .rsplit_once("summary: ")
        .unwrap_or_else(|| panic!("no summary line:\n{stdout}"));
    assert!(line.trim_end().len() + 9 <= 300, "summary too long: {line}");
    for key in crate::common::summary(stdout).keys() {
        let named = above.contains(&format!("{key} ")) || above.contains(&format!("({key})"));
        assert!(named, "{key} is not named above the summary:\n{above}");
    }
}
