//! What every exercise check shares: run the learner's program as a process and measure it
//! the way the demo measures (its wall time, the most OS threads it had at once, the child
//! processes it left behind, its exit status), then print the prediction, the figure, the
//! goal, and a hint when it is not met yet. Checks judge what the program does, never what
//! it prints. This file is the same in every crate (`make test` compares each copy with
//! scripts/template/exercises/checking.rs).
#![allow(dead_code)] // each crate's check uses its own part of it

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// One exercise, as the check presents it.
pub struct Exercise {
    /// The example's name: `cargo run -p <crate> --example <name>`.
    pub name: &'static str,
    /// What to predict before running it, e.g. "How long will the three take?"
    pub question: &'static str,
    /// What the fixed program must measure, in words.
    pub goal: &'static str,
    /// The first hint, shown when the goal is not met; the second only with `--hint`.
    pub hints: [&'static str; 2],
    /// Measures the built program at `path` and judges it.
    pub check: fn(&Path) -> Verdict,
}

/// What a check measured, and whether that meets the goal.
pub struct Verdict {
    /// The figures, in the learner's words: "3.01 s for the three, on 1 OS thread".
    pub measured: String,
    pub passed: bool,
}

/// What one run of the learner's program did, measured from outside it.
#[derive(Debug)]
pub struct Run {
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    /// The most threads the process had at once, sampled every 2 ms (Linux; 0 elsewhere).
    pub peak_threads: usize,
    /// Processes of its group still running after it ended (Linux; 0 elsewhere).
    pub left_behind: usize,
    /// It was still running at the time limit, and was killed.
    pub timed_out: bool,
}

/// Runs `program` with `args` in a process group of its own, up to `limit`, sampling its
/// thread count; kills the group if it runs past the limit or leaves children behind.
pub fn run(program: &Path, args: &[&str], limit: Duration) -> Run {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    let start = Instant::now();
    let mut child = match Command::new(program)
        .args(args)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            return Run {
                exit_code: None,
                stdout: String::new(),
                stderr: format!("cannot start {}: {e}", program.display()),
                elapsed: Duration::ZERO,
                peak_threads: 0,
                left_behind: 0,
                timed_out: false,
            };
        }
    };
    let group = child.id();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    let (mut peak_threads, mut timed_out) = (0, false);
    let status = loop {
        peak_threads = peak_threads.max(threads_of(group));
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            timed_out = true;
            kill_group(group);
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = start.elapsed();
    std::thread::sleep(Duration::from_millis(100)); // a child's exit takes a moment to show
    let left_behind = processes_in_group(group);
    if left_behind > 0 {
        kill_group(group);
    }
    Run {
        exit_code: status.code(),
        stdout: reader.join().unwrap(),
        stderr: errors.join().unwrap(),
        elapsed,
        peak_threads,
        left_behind,
        timed_out,
    }
}

/// The checker's `main`: `<crate>_check NAME PROGRAM [--hint]` checks one exercise's built
/// program; `<crate>_check NAME --did-not-compile [--hint]` explains a program that does not
/// build yet; `<crate>_check --list` names the exercises. Exit 0: done; 1: to do; 2: usage.
pub fn main_for(exercises: &[Exercise]) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let second_hint = args.iter().any(|a| a == "--hint");
    let quiet = args.iter().any(|a| a == "--quiet");
    let words: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--hint" && *a != "--quiet")
        .collect();
    if words.first() == Some(&"--list") {
        for e in exercises {
            println!("{}", e.name);
        }
        return ExitCode::SUCCESS;
    }
    let Some(exercise) = words
        .first()
        .and_then(|name| exercises.iter().find(|e| e.name == *name))
    else {
        let names: Vec<&str> = exercises.iter().map(|e| e.name).collect();
        eprintln!(
            "usage: check NAME PROGRAM [--hint]; the exercises here: {}",
            names.join(", ")
        );
        return ExitCode::from(2);
    };
    let verdict = match words.get(1) {
        Some(&"--did-not-compile") => Verdict {
            measured: "it does not compile yet (the compiler's message is above)".into(),
            passed: false,
        },
        Some(path) => (exercise.check)(Path::new(path)),
        None => {
            eprintln!("usage: check {} PROGRAM [--hint]", exercise.name);
            return ExitCode::from(2);
        }
    };
    if quiet {
        let status = if verdict.passed { "done " } else { "to do" };
        println!("{status}  {:<32} {}", exercise.name, verdict.measured);
    } else {
        println!("exercise  {}", exercise.name);
        println!("predict   {}", exercise.question);
        println!("measured  {}", verdict.measured);
        println!("goal      {}", exercise.goal);
        if verdict.passed {
            println!("result    done: the goal is met");
        } else {
            println!("result    to do");
            println!("hint      {}", exercise.hints[0]);
            if second_hint {
                println!("hint 2    {}", exercise.hints[1]);
            } else {
                println!("          (another hint: add --hint)");
            }
        }
    }
    if verdict.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A run that crashed, hung or failed, in words; None when it ran and exited 0.
pub fn failed(run: &Run) -> Option<String> {
    if run.timed_out {
        Some(format!(
            "it was still running after {:.1} s and was stopped",
            run.elapsed.as_secs_f64()
        ))
    } else if run.exit_code != Some(0) {
        // A panic's own message says most; Rust's "note: run with RUST_BACKTRACE" says least.
        let lines: Vec<&str> = run.stderr.lines().map(str::trim).collect();
        let why = match lines.iter().position(|l| l.contains("panicked at")) {
            Some(i) => format!("{} {}", lines[i], lines.get(i + 1).unwrap_or(&"")),
            None => (lines.iter().rev())
                .find(|l| !l.is_empty() && !l.starts_with("note:"))
                .unwrap_or(&"")
                .to_string(),
        };
        let code = run
            .exit_code
            .map_or("a signal".to_string(), |c| c.to_string());
        Some(format!("it exited with {code}: {}", why.trim()))
    } else {
        None
    }
}

#[cfg(target_os = "linux")]
fn threads_of(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, |d| d.count())
}

#[cfg(not(target_os = "linux"))]
fn threads_of(_pid: u32) -> usize {
    0
}

/// The processes still running in process group `group`, zombies aside (Linux; 0 elsewhere).
fn processes_in_group(group: u32) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let fields: Vec<&str> = stat
                .rsplit_once(')')
                .map_or("", |(_, rest)| rest)
                .split_whitespace()
                .collect();
            fields.first() != Some(&"Z")
                && fields.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(group)
        })
        .count()
}

fn kill_group(group: u32) {
    let _ = Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{group}")])
        .stderr(Stdio::null())
        .status();
}
