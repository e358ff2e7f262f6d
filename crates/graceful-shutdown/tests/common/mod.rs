//! Helpers shared by this crate's integration tests.
#![allow(dead_code)] // each test file uses its own part of these

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};

/// The `key=value` pairs of the closing `summary:` line.
pub fn summary(stdout: &str) -> HashMap<String, String> {
    let last = stdout.lines().last().unwrap_or_default();
    let fields = last
        .strip_prefix("summary: ")
        .unwrap_or_else(|| panic!("the last line is not a summary: {last}"));
    fields
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The number under `key` in a summary.
pub fn number(summary: &HashMap<String, String>, key: &str) -> f64 {
    let value = summary
        .get(key)
        .unwrap_or_else(|| panic!("no {key} in {summary:?}"));
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
        "{} is not built: run `cargo test` (it builds the examples)",
        path.display()
    );
    path
}

/// Runs `cmd`, reads its first line and closes the pipe, as `| head -n 1` does; returns
/// that line, how the program ended, and its stderr.
pub fn first_line_then_close(mut cmd: Command) -> (String, ExitStatus, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // The reader is gone: the program's next write finds the pipe closed.
    let out = child.wait_with_output().unwrap();
    (
        line,
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A program started in a process group of its own, sent a real signal once it has said
/// (on stdout) that it is listening; what it printed, how it ended, and its group's pid.
pub struct Signalled {
    pub stdout: String,
    pub stderr: String,
    pub status: ExitStatus,
    pub group: u32,
}

/// Starts `cmd` in a new process group, waits for each line containing one of `cues` in
/// turn and sends `signal` after it, then reads everything to the end.
pub fn signal_on_cues(mut cmd: Command, cues: &[(&str, nix::sys::signal::Signal)]) -> Signalled {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    let mut child = cmd
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut stdout = String::new();
    for (cue, signal) in cues {
        loop {
            let mut line = String::new();
            assert!(
                reader.read_line(&mut line).unwrap() > 0,
                "ended before {cue:?}: {stdout}"
            );
            stdout.push_str(&line);
            if line.contains(cue) {
                break;
            }
        }
        nix::sys::signal::kill(pid, *signal).unwrap(); // a real signal, from outside
    }
    reader.read_to_string(&mut stdout).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    Signalled {
        stdout,
        stderr,
        status: out.status,
        group: pid.as_raw() as u32,
    }
}

/// The processes still in process group `group` (Linux: from /proc; elsewhere, none seen).
pub fn processes_in_group(group: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // After the command's name in parentheses: state, ppid, pgrp.
            let fields: Vec<&str> = stat
                .rsplit_once(')')
                .map_or("", |(_, rest)| rest)
                .split_whitespace()
                .collect();
            fields.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(group)
        })
        .collect()
}
