//! The checks of graceful-shutdown's exercises: `make exercise NAME=...` builds the exercise
//! and runs this with the program's path. Each check runs the program and measures it.

mod checking;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use checking::{Exercise, Verdict};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "graceful_shutdown_finish_on_ctrl_c",
        question: "Ctrl-C comes 100 ms into three 400 ms jobs: how many of their files get saved?",
        goal: "all three short jobs' files saved, the long one not, and the program gone within \
               a second of Ctrl-C",
        hints: [
            "returning from main drops every task still running: wait for the short ones first",
            "keep the short jobs' JoinHandles; after ctrl_c(), await them inside \
             tokio::time::timeout(a grace, ...), then abort() the long one",
        ],
        check: finish_on_ctrl_c,
    }])
}

/// A folder of the check's own for the program's files, removed afterwards.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The job `name` saved its file, and did its work first: the file is written at least
/// 380 ms after the job started (its four steps take 400 ms). A file written at once, by
/// anything but the job, does not count.
fn saved(dir: &Path, name: &str) -> bool {
    let written =
        |ext: &str| std::fs::metadata(dir.join(format!("{name}.{ext}"))).and_then(|m| m.modified());
    match (written("started"), written("saved")) {
        (Ok(started), Ok(saved)) => saved
            .duration_since(started)
            .is_ok_and(|d| d >= Duration::from_millis(380)),
        _ => false,
    }
}

/// Starts the program in a process group of its own, waits until its jobs have started,
/// presses Ctrl-C (SIGINT to the group, as a terminal does) 100 ms later, and measures how
/// long it took to exit and which files its jobs had saved by then.
fn finish_on_ctrl_c(program: &Path) -> Verdict {
    let dir = std::env::temp_dir().join(format!("graceful-shutdown-check-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let scratch = Scratch(dir.clone());
    let mut child = match Command::new(program)
        .arg(&dir)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            return Verdict {
                measured: format!("cannot start it: {e}"),
                passed: false,
            };
        }
    };
    let group = child.id().to_string();
    let kill = |sig: &str| {
        let _ = Command::new("kill")
            .args(["-s", sig, "--", &format!("-{group}")])
            .status();
    };
    let started = Instant::now();
    let all_started = || {
        ["short-1", "short-2", "short-3", "long"]
            .iter()
            .all(|n| dir.join(format!("{n}.started")).exists())
    };
    while !all_started() {
        if started.elapsed() > Duration::from_secs(10) || child.try_wait().ok().flatten().is_some()
        {
            kill("KILL");
            let _ = child.wait();
            return Verdict {
                measured: "its four jobs never all started".into(),
                passed: false,
            };
        }
        sleep(Duration::from_millis(2));
    }
    sleep(Duration::from_millis(100));
    let saved_before = (1..=3)
        .filter(|n| saved(&dir, &format!("short-{n}")))
        .count();
    kill("INT");
    let signal = Instant::now();
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        if signal.elapsed() > Duration::from_secs(5) {
            kill("KILL");
            let _ = child.wait();
            break None;
        }
        sleep(Duration::from_millis(2));
    };
    let took = signal.elapsed().as_secs_f64();
    let short = (1..=3)
        .filter(|n| saved(&dir, &format!("short-{n}")))
        .count();
    let long = saved(&dir, "long");
    drop(scratch);
    let Some(status) = status else {
        return Verdict {
            measured: format!(
                "still running 5 s after Ctrl-C, {short} of 3 short files saved; stopped"
            ),
            passed: false,
        };
    };
    let how = match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "was killed by the signal".to_string(),
    };
    Verdict {
        measured: format!(
            "{short} of 3 short files saved ({saved_before} before Ctrl-C), the long one {}; it {how} {took:.2} s after Ctrl-C",
            if long { "too" } else { "not" }
        ),
        passed: short == 3
            && saved_before == 0
            && !long
            && took < 1.0
            && matches!(status.code(), Some(0 | 130)),
    }
}
