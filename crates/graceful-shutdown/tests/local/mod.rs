//! Helpers only graceful-shutdown's tests need: a real signal sent from outside, on cue.
#![allow(dead_code)] // each test file uses its own part of these

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};

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

/// Every key of the summary line is a figure the reader can find, named the same, in the
/// lines above it; and the line stays short enough to read (about 300 characters).
pub fn assert_every_key_is_named_above(stdout: &str) {
    let (above, line) = stdout
        .rsplit_once("summary: ")
        .unwrap_or_else(|| panic!("no summary line:\n{stdout}"));
    assert!(line.trim_end().len() + 9 <= 300, "summary too long: {line}");
    for key in crate::common::summary(stdout).keys() {
        assert!(
            above.contains(key.as_str()),
            "{key} is not named above the summary:\n{above}"
        );
    }
}
