//! Runs the built binary and its minimal program as a user does, and checks their claims.
//! Times are asserted as ratios with wide margins: they hold on one core and under load.

mod common;
mod local;

use std::collections::HashMap;
use std::process::Command;

use common::{example, first_line_then_close, number, reader_gone_from_the_start, summary};

const BIN: &str = env!("CARGO_BIN_EXE_blocking-in-async");
/// The heartbeat's period: --tick-ms's default, which every run here keeps.
const TICK_MS: f64 = 5.0;

fn run(cmd: &mut Command) -> (String, HashMap<String, String>) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let stdout = String::from_utf8(out.stdout).unwrap();
    local::assert_every_key_is_named_above(&stdout);
    let s = summary(&stdout);
    (stdout, s)
}

/// The claims that hold on any machine, however many cores and however busy.
fn check_every_machine(stdout: &str, s: &HashMap<String, String>) {
    let (tasks, workers) = (number(s, "tasks"), number(s, "workers"));
    let block_ms = number(s, "block_ms");
    // On one thread the blocks run one after another: never less than their sum.
    assert!(number(s, "current_sleep_x") >= tasks - 0.01, "{s:?}");
    assert!(number(s, "current_cpu_x") >= tasks * 0.95, "{s:?}");
    // Two workers: at most two blocks at once, so never less than tasks / workers;
    // sleeps do not need a core, so they overlap even on one core.
    assert!(
        number(s, "multi_sleep_x") >= tasks / workers - 0.01,
        "{s:?}"
    );
    assert!(number(s, "multi_sleep_x") <= tasks * 0.75, "{s:?}");
    assert!(number(s, "multi_cpu_x") >= tasks / workers * 0.95, "{s:?}");
    // Off the runtime, or awaited, the sleeps overlap: about one block.
    for key in ["spawn_blocking_x", "tokio_sleep_x"] {
        let x = number(s, key);
        assert!((0.99..=2.0).contains(&x), "{key}={x}: {s:?}");
    }
    assert!(number(s, "rayon_x") >= tasks / workers * 0.95, "{s:?}");
    // The heartbeat: late by half a block or more wherever a worker blocks.
    for key in ["current_sleep", "current_cpu", "multi_sleep", "multi_cpu"] {
        let late = local::late_ms(stdout, key);
        if key == "current_sleep" {
            assert_eq!(late, number(s, "current_sleep_late_ms"), "{stdout}");
        }
        assert!(
            late >= block_ms / 2.0,
            "{key}: the heartbeat was only {late} ms late: {s:?}"
        );
    }
    // Where the runtime's one thread stays free, it ticks on time: well under half a block
    // beside sleeps. Beside rayon's loops the thread also waits for a core when the
    // machine is busy (the OS, not the runtime), so there it is a small share of the run,
    // where blocking the worker made it late for the whole run.
    for key in ["spawn_blocking", "tokio_sleep"] {
        let late = number(s, &format!("{key}_late_ms"));
        assert!(
            late < block_ms / 2.0,
            "{key}: the heartbeat was {late} ms late: {s:?}"
        );
    }
    let rayon_late = number(s, "rayon_late_ms");
    assert!(rayon_late < number(s, "rayon_x") * block_ms / 4.0, "{s:?}");
    let current_cpu_late = local::late_ms(stdout, "current_cpu");
    assert!(rayon_late < current_cpu_late / 4.0, "{s:?}");
    // The waits the demo asks for, in blocks: the loop alone, n + n on one thread,
    // n / workers rounds on the workers (for CPU work, no faster than the cores), one
    // each off the runtime; and two 5 ms warm-up ticks per way.
    let cores = number(s, "cores");
    let rounds = (tasks / workers).ceil();
    let cpu = rounds.max(tasks / cores);
    let blocks = 1.0 + 2.0 * tasks + rounds + cpu + 1.0 + cpu + 1.0;
    let ideal = blocks * block_ms / 1000.0 + 7.0 * 2.0 * TICK_MS / 1000.0;
    assert!(
        (number(s, "ideal_s") - ideal).abs() < 0.0015,
        "{ideal}: {s:?}"
    );
    // No way runs faster than the waits it asks for.
    let x_sum: f64 = [
        "current_sleep_x",
        "current_cpu_x",
        "multi_sleep_x",
        "multi_cpu_x",
        "spawn_blocking_x",
        "rayon_x",
        "tokio_sleep_x",
    ]
    .iter()
    .map(|k| number(s, k))
    .sum();
    assert!(x_sum >= (blocks - 1.0) * 0.99, "{s:?}");
}

#[test]
fn blocking_holds_the_worker_and_offloading_frees_it() {
    let (stdout, s) =
        run(Command::new(BIN).args(["--tasks", "4", "--block-ms", "200", "--workers", "2"]));
    assert_eq!(number(&s, "tasks"), 4.0);
    check_every_machine(&stdout, &s);
}

#[test]
fn on_one_core_two_workers_still_overlap_sleeps_but_not_cpu_work() {
    let pinned = Command::new("taskset").args(["-c", "0", "true"]).output();
    if !pinned.is_ok_and(|o| o.status.success()) {
        eprintln!("taskset is not available: skipping the one-core run");
        return;
    }
    let (stdout, s) =
        run(Command::new("taskset").args(["-c", "0", BIN, "--tasks", "4", "--block-ms", "200"]));
    assert_eq!(number(&s, "cores"), 1.0);
    check_every_machine(&stdout, &s);
    // One core computes one loop at a time: two workers, or two rayon threads, give
    // CPU work no overlap at all.
    assert!(number(&s, "multi_cpu_x") >= 4.0 * 0.95, "{s:?}");
    assert!(number(&s, "rayon_x") >= 4.0 * 0.95, "{s:?}");
}

/// With another program computing on the same one core, the CPU rows get about half of
/// it: the run says so in one line, naming the rows and the share they got.
#[test]
fn a_busy_core_is_noticed_in_one_line() {
    let pinned = Command::new("taskset").args(["-c", "0", "true"]).output();
    if !pinned.is_ok_and(|o| o.status.success()) {
        eprintln!("taskset is not available: skipping the busy-core run");
        return;
    }
    let mut busy = Command::new("taskset")
        .args(["-c", "0", "yes"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let args = ["-c", "0", BIN, "--tasks", "2", "--block-ms", "100"];
    let (stdout, s) = run(Command::new("taskset").args(args));
    busy.kill().unwrap();
    busy.wait().unwrap();
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("busy machine:"))
        .collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    // Each CPU row could use one core here, and got at most about half of it.
    for row in ["current_cpu", "multi_cpu", "rayon"] {
        assert!(
            lines[0].contains(&format!("{row} 0.")),
            "{row}: {}",
            lines[0]
        );
        assert!(lines[0].contains("of 1"), "{}", lines[0]);
    }
    // The figures themselves are as measured: slower than the blocks alone would be.
    assert!(number(&s, "multi_cpu_x") >= 2.0 * 0.95, "{s:?}");
}

#[test]
fn the_minimal_program_adds_up_the_blocking_sleeps_only() {
    let out = Command::new(example("blocking_sleep")).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let seconds: Vec<f64> = stdout
        .lines()
        .map(|l| {
            l.rsplit_once(": ")
                .unwrap()
                .1
                .trim_end_matches(" s")
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(seconds.len(), 3, "{stdout}");
    assert!(
        stdout
            .lines()
            .next()
            .unwrap()
            .starts_with("std::thread::sleep"),
        "{stdout}"
    );
    assert!(
        seconds[0] >= 0.80,
        "four blocking sleeps of 0.2 s add up: {stdout}"
    );
    // Overlapped: one wait, and well under the 0.80 s of four in a row, however busy.
    assert!(
        (0.2..0.6).contains(&seconds[1]),
        "spawn_blocking overlaps them: {stdout}"
    );
    assert!(
        (0.2..0.6).contains(&seconds[2]),
        "tokio::time::sleep overlaps them: {stdout}"
    );
}

#[test]
fn bad_arguments_exit_2_naming_the_flag() {
    for (args, flag) in [
        (&["--tasks", "0"][..], "--tasks"),
        (&["--block-ms", "abc"][..], "--block-ms"),
        (&["--workers", "1"][..], "--workers"),
        (&["--tasks", "2", "--workers", "4"][..], "--tasks"),
        (&["--block-ms", "100", "--tick-ms", "50"][..], "--tick-ms"),
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(flag), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_closed_pipe_ends_it_quietly() {
    let mut demo = Command::new(BIN);
    demo.args(["--block-ms", "40", "--tick-ms", "5"]);
    for (cmd, first) in [
        (demo, "4 tasks"),
        (
            Command::new(example("blocking_sleep")),
            "std::thread::sleep",
        ),
    ] {
        let (line, status, stderr) = first_line_then_close(cmd);
        assert!(line.starts_with(first), "{line}");
        assert!(status.success(), "{status}: {stderr}");
        assert_eq!(stderr, "");
    }
}

#[test]
fn a_reader_gone_from_the_start_ends_it_quietly() {
    let mut demo = Command::new(BIN);
    demo.args(["--block-ms", "20", "--tick-ms", "5"]);
    for cmd in [demo, Command::new(example("blocking_sleep"))] {
        let (status, stderr) = reader_gone_from_the_start(cmd);
        assert!(status.success(), "{status}: {stderr}");
        assert_eq!(stderr, "");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    use common::{assert_one_error_line_on_a_full_disk, python_twin};
    let mut demo = Command::new(BIN);
    demo.args(["--tasks", "2", "--block-ms", "20", "--tick-ms", "5"]);
    assert_one_error_line_on_a_full_disk(demo);
    assert_one_error_line_on_a_full_disk(Command::new(example("blocking_sleep")));
    if let Some(mut twin) = python_twin() {
        twin.args(["--tasks", "2", "--block-ms", "20", "--tick-ms", "5"]);
        assert_one_error_line_on_a_full_disk(twin);
    }
}

/// One thread per task in the spawn_blocking row, each with a stack and (glibc) a malloc
/// arena: under a small address-space limit the run stops before its first row, with one
/// line naming the flag to lower and the limit, instead of aborting halfway.
#[cfg(target_os = "linux")]
#[test]
fn a_small_address_space_stops_it_before_it_runs_out() {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", r#"ulimit -v 300000; exec "$0" "$@""#, BIN]);
    cmd.args(["--tasks", "64", "--block-ms", "20"]);
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("error: --tasks 64"), "{stderr}");
    assert!(lines[0].contains("ulimit -v allows 292 MiB"), "{stderr}");
    assert!(out.stdout.is_empty(), "it stopped before the first row");
}
