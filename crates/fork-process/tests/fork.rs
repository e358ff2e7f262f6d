//! Runs the built demo with small sizes and checks what it claims: the child's parent pid,
//! separate memory, equal results, every exit status reported, and no child left behind,
//! also when a child fails.

use std::process::{Command, Output};

fn demo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fork-process"))
        .args(args)
        .output()
        .expect("the demo binary runs")
}

fn summary_value(stdout: &str, key: &str) -> String {
    let last = stdout.lines().last().expect("some output");
    assert!(
        last.starts_with("summary: "),
        "last line is not the summary: {last}"
    );
    last.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")).map(str::to_string))
        .unwrap_or_else(|| panic!("no {key}= in {last}"))
}

/// Pids of every child the run forked: part one's child and each row of the table.
fn child_pids(stdout: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    for line in stdout.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if line.starts_with("  child pid ") {
            pids.push(words[2].trim_end_matches(':').parse().unwrap());
        } else if line.contains("exited with status") || line.contains("was killed by") {
            if let (Ok(_), Ok(pid)) = (words[0].parse::<u32>(), words[1].parse::<u32>()) {
                pids.push(pid);
            }
        }
    }
    pids.sort_unstable();
    pids.dedup();
    pids
}

/// True while `pid` exists in any state, a zombie included.
fn process_exists(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    } else {
        Command::new("kill")
            .args(["-0", &pid.to_string()])
            .stderr(std::process::Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }
}

#[test]
fn children_share_the_sum_and_are_all_reaped() {
    let out = demo(&["--children", "3", "--size", "30000"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "exit {:?}\n{stdout}", out.status);
    for key in [
        "child_ppid_matches",
        "memory_separate",
        "results_equal",
        "formula_matches",
    ] {
        assert_eq!(summary_value(&stdout, key), "true", "{key}\n{stdout}");
    }
    assert_eq!(summary_value(&stdout, "children"), "3");
    assert_eq!(summary_value(&stdout, "children_left"), "0");
    assert_eq!(summary_value(&stdout, "ideal_s"), "0.000");
    // 30000 * 29999 * 59999 / 6
    assert_eq!(summary_value(&stdout, "total"), "8999550005000");
    // One status for part one's child, one per table row.
    assert_eq!(
        stdout.matches("exited with status 0").count(),
        4,
        "{stdout}"
    );
    assert_eq!(child_pids(&stdout).len(), 4, "{stdout}");
}

#[test]
fn the_child_reports_the_parents_pid_and_its_own_copy_of_the_value() {
    let child = Command::new(env!("CARGO_BIN_EXE_fork-process"))
        .args(["--children", "1", "--size", "1000"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let demo_pid = child.id();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    assert_eq!(summary_value(&stdout, "parent_pid"), demo_pid.to_string());
    assert!(
        stdout.contains(&format!("parent pid (getppid) = {demo_pid}")),
        "{stdout}"
    );

    // Order: the parent announces the fork, the child speaks, then the parent, after
    // waitpid, shows its untouched copy at the same address.
    let position = |needle: &str| {
        stdout
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing:\n{stdout}"))
    };
    let announced = position("value = 100 at ");
    let child_set = position("set value = 999 at ");
    let reaped = position(&format!("parent  pid {demo_pid}: child "));
    let unchanged = position("(the child's copy became 999)");
    assert!(announced < child_set && child_set < reaped && reaped < unchanged);
    // The variable sits at one virtual address in both processes, yet holds two values.
    let addresses: Vec<&str> = stdout
        .split(" at 0x")
        .skip(1)
        .map(|rest| rest.split(|c: char| !c.is_ascii_hexdigit()).next().unwrap())
        .collect();
    assert_eq!(addresses.len(), 3, "{stdout}");
    assert!(
        addresses.iter().all(|a| *a == addresses[0]),
        "{addresses:?}"
    );
}

#[test]
fn a_failing_child_is_reported_reaped_and_the_run_exits_1() {
    let out = demo(&["--children", "3", "--size", "30000", "--fail-child", "2"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one error line: {stderr}");
    assert!(stderr.starts_with("error: child 2 "), "{stderr}");
    assert!(stderr.contains("exited with status 3"), "{stderr}");
    assert!(stdout.contains("(nothing: pipe closed)"), "{stdout}");
    assert_eq!(
        stdout.matches("exited with status 0").count(),
        3,
        "{stdout}"
    );
    assert!(!stdout.contains("summary:"), "no summary after a failure");

    let pids = child_pids(&stdout);
    assert_eq!(pids.len(), 4, "{stdout}");
    for pid in pids {
        assert!(!process_exists(pid), "child {pid} outlived the demo");
    }
}

#[test]
fn bad_arguments_exit_with_2() {
    for args in [
        &["--children", "0"][..],
        &["--size", "0"],
        &["--children", "2", "--fail-child", "3"],
        &["--fail-child", "0"],
        &["--bogus"],
    ] {
        let out = demo(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("error:"));
    }
}
