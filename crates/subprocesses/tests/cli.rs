//! Runs the built binary and its minimal program as a user does, and checks their claims.

mod common;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{example, first_line_then_close, number, summary};

const BIN: &str = env!("CARGO_BIN_EXE_subprocesses");
const SMALL: [&str; 8] = [
    "--children",
    "4",
    "--lines",
    "3",
    "--every-ms",
    "30",
    "--timeout-ms",
    "200",
];

fn run_small(extra: &[&str]) -> (HashMap<String, String>, String) {
    let out = Command::new(BIN).args(SMALL).args(extra).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (summary(&stdout), stdout)
}

#[test]
fn the_children_run_at_once_from_one_thread_their_lines_interleaved() {
    let (s, stdout) = run_small(&[]);
    assert_eq!(s["children"], "4");
    assert_eq!(s["lines"], "12");
    // One child after another would change child 3 times; arriving as written, far more.
    assert!(number(&s, "switches") >= 5.0, "{stdout}");
    // Child i pauses i x 30 ms before each of 3 lines: the slowest takes 360 ms, the sum
    // of all four is 900 ms; together they take about the slowest.
    let (total, slowest, sum) = (
        number(&s, "total_s"),
        number(&s, "slowest_s"),
        number(&s, "sum_s"),
    );
    assert!(slowest >= 0.36 && total >= slowest, "{stdout}");
    assert!(total < slowest + 0.3, "{stdout}");
    assert!(total < sum * 0.7, "{stdout}");
    if cfg!(target_os = "linux") {
        assert_eq!(s["threads"], "1", "{stdout}");
    }
}

#[test]
fn a_hung_child_is_killed_at_the_timeout_and_reaped() {
    let (s, stdout) = run_small(&[]);
    assert_eq!(s["hung_timed_out"], "yes", "{stdout}");
    assert_eq!(s["hung_status"], "SIGKILL", "{stdout}");
    assert_eq!(s["hung_gone"], "yes", "{stdout}");
    assert_eq!(s["dropped_gone"], "yes", "{stdout}");
    assert_eq!(s["children_left"], "0", "{stdout}");
}

#[test]
fn a_child_filling_the_pipe_blocks_a_parent_that_waits_first() {
    let (s, stdout) = run_small(&[]);
    assert_eq!(s["stuck_timed_out"], "yes", "{stdout}");
    assert_eq!(s["fixed_timed_out"], "no", "{stdout}");
    assert_eq!(s["fixed_bytes"], "1048576", "{stdout}");
    let (buffer, written) = (number(&s, "pipe_buffer"), number(&s, "stuck_written"));
    if cfg!(target_os = "linux") {
        // What the kernel says, what filling a pipe took, and what the child got written
        // before it blocked: the same number.
        assert_eq!(s["pipe_buffer"], s["pipe_filled"], "{stdout}");
        assert_eq!(buffer, written, "{stdout}");
        assert!(stdout.contains("pipe_write"), "{stdout}");
    }
    assert!((4096.0..1048576.0).contains(&written), "{stdout}");
}

#[test]
fn the_minimal_program_prints_lines_as_they_arrive_and_kills_the_hung_child() {
    let out = Command::new(example("subprocesses")).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 11, "{stdout}");
    assert!(lines[0].ends_with("child 1 line 1"), "{stdout}");
    assert!(lines[8].ends_with("child 3 line 3"), "{stdout}");
    let all: f64 = lines[9]["all three in ".len()..]
        .trim_end_matches(" s")
        .parse()
        .unwrap();
    assert!((0.8..1.6).contains(&all), "{stdout}");
    assert!(lines[10].contains("SIGKILL"), "{stdout}");
}

#[test]
fn the_trace_shows_the_children_side_by_side_and_the_writer_blocked() {
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let (s, _) = run_small(&["--trace", path.to_str().unwrap()]);
    let trace = common::read_trace(&path);
    let runs: Vec<&common::Slice> = trace
        .slices_of("4 children at once")
        .into_iter()
        .filter(|s| s.kind == "runs")
        .collect();
    assert_eq!(runs.len(), 4);
    assert_eq!(common::most_at_once(&runs), 4, "the four ran at once");
    let lines = trace
        .moments
        .iter()
        .filter(|m| m.group.starts_with("4 children"))
        .count();
    assert_eq!(lines as f64, number(&s, "lines"));
    let blocked: Vec<&common::Slice> = trace
        .slices_of("the full pipe")
        .into_iter()
        .filter(|s| s.kind == "blocked in write")
        .collect();
    assert_eq!(blocked.len(), 1);
    assert!(blocked[0].end - blocked[0].start >= 200e3, "{blocked:?}");
}

#[test]
fn the_trace_changes_no_count() {
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let (plain, _) = run_small(&[]);
    let (traced, _) = run_small(&["--trace", path.to_str().unwrap()]);
    for key in [
        "children",
        "lines",
        "threads",
        "children_left",
        "stuck_written",
        "fixed_bytes",
    ] {
        assert_eq!(plain[key], traced[key], "{key}");
    }
}

#[test]
fn bad_arguments_exit_2_naming_the_flag() {
    for (args, flag) in [
        (&["--children", "0"][..], "--children"),
        (&["--flood-kib", "16"], "--flood-kib"),
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(flag),
            "{args:?}"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn too_many_children_for_the_open_file_limit_is_one_error_line() {
    let script = format!("ulimit -n 64 && exec {BIN} --children 200");
    let out = Command::new("sh").args(["-c", &script]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains("--children"),
        "{stderr}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    let mut bin = Command::new(BIN);
    bin.args(SMALL);
    common::assert_one_error_line_on_a_full_disk(bin);
    common::assert_one_error_line_on_a_full_disk(Command::new(example("subprocesses")));
}

#[test]
fn a_closed_pipe_ends_it_quietly() {
    let mut bin = Command::new(BIN);
    bin.args(SMALL);
    for cmd in [bin, Command::new(example("subprocesses"))] {
        let (line, status, stderr) = first_line_then_close(cmd);
        assert!(line.contains("child"), "{line}");
        assert!(status.success(), "{status}: {stderr}");
        assert_eq!(stderr, "");
    }
    let mut bin = Command::new(BIN);
    bin.args(SMALL);
    let (status, stderr) = common::reader_gone_from_the_start(bin);
    assert!(status.success() && stderr.is_empty(), "{status}: {stderr}");
}

/// SIGINT or SIGTERM to the demo alone, while its hung child sleeps: the child sees its
/// parent gone and ends too; nothing is left in the group.
#[cfg(target_os = "linux")]
#[test]
fn a_signal_mid_run_leaves_no_child_behind() {
    use std::os::unix::process::CommandExt;
    for signal in ["INT", "TERM"] {
        let mut child = Command::new(BIN)
            .args([
                "--children",
                "1",
                "--lines",
                "1",
                "--every-ms",
                "1",
                "--timeout-ms",
                "5000",
            ])
            .process_group(0)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let group = child.id();
        std::thread::sleep(Duration::from_millis(600)); // part 2: the hung child sleeps
        assert_eq!(
            common::processes_in_group(group).len(),
            2,
            "the demo and its hung child"
        );
        let kill = format!("kill -{signal} {group}");
        Command::new("sh").args(["-c", &kill]).status().unwrap();
        assert!(!child.wait().unwrap().success());
        let ended = Instant::now();
        let mut left = common::processes_in_group(group).len();
        while left > 0 && ended.elapsed() < Duration::from_secs(3) {
            std::thread::sleep(Duration::from_millis(20));
            left = common::processes_in_group(group).len();
        }
        if left > 0 {
            let _ = Command::new("sh")
                .args(["-c", &format!("kill -KILL -{group}")])
                .status();
        }
        assert_eq!(left, 0, "SIG{signal} left a child behind");
    }
}
