//! Runs the built binary and its minimal program as a user does, and checks their claims.

mod common;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{example, first_line_then_close, number, summary};

const BIN: &str = env!("CARGO_BIN_EXE_deadlock");
const SMALL: [&str; 6] = ["--deadline-ms", "200", "--work-ms", "20", "--rounds", "3"];

fn run_small(extra: &[&str]) -> (HashMap<String, String>, String, Duration) {
    let start = Instant::now();
    let out = Command::new(BIN).args(SMALL).args(extra).output().unwrap();
    let took = start.elapsed();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (summary(&stdout), stdout, took)
}

#[test]
fn the_opposite_order_hangs_and_the_watchdog_sees_who_holds_what() {
    let (s, stdout, took) = run_small(&[]);
    assert_eq!(s["stuck"], "2", "{stdout}");
    assert_eq!(s["cycle"], "yes", "{stdout}");
    // Seen past the deadline, not waited out: well before the run could end otherwise.
    let detected = number(&s, "detected_s");
    assert!((0.2..3.0).contains(&detected), "{detected}");
    assert!(
        stdout.contains("thread 1  A      B          thread 2"),
        "{stdout}"
    );
    assert!(
        stdout.contains("thread 2  B      A          thread 1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("the child: killed (SIGKILL), reaped"),
        "{stdout}"
    );
    if cfg!(target_os = "linux") {
        // Asleep in the kernel, using no CPU: blocked, not spinning (a spinning thread
        // would use about 20 ticks in 200 ms).
        assert_eq!(s["state"], "S", "{stdout}");
        assert!(number(&s, "cpu_ticks") <= 2.0, "{stdout}");
        assert!(stdout.contains("futex"), "{stdout}");
    }
    assert_eq!(number(&s, "children_left"), 0.0);
    // The whole run ended by itself, nothing hung.
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[test]
fn one_order_and_try_lock_both_finish_and_try_lock_backs_off() {
    let (s, stdout, _) = run_small(&[]);
    assert_eq!(s["ordered_done"], "yes", "{stdout}");
    assert_eq!(s["ordered_stuck"], "0", "{stdout}");
    assert_eq!(s["trylock_done"], "yes", "{stdout}");
    assert_eq!(s["trylock_stuck"], "0", "{stdout}");
    // Both threads start together and each holds its first lock 20 ms: the first try
    // finds the other's lock taken.
    assert!(number(&s, "backoffs") >= 1.0, "{stdout}");
    assert!(stdout.contains("finished by itself: 6 rounds"), "{stdout}");
    // One order: each thread holds A for 3 rounds of 20 ms, one after the other.
    assert!(number(&s, "ordered_s") >= 0.120, "{stdout}");
    let cost = number(&s, "cost");
    let ratio = number(&s, "trylock_s") / number(&s, "ordered_s");
    assert!((cost - ratio).abs() < 0.02, "{cost} against {ratio}");
}

#[test]
fn the_async_deadlock_holds_one_thread_that_keeps_running() {
    let (s, stdout, _) = run_small(&[]);
    assert_eq!(s["async_timed_out"], "yes", "{stdout}");
    if cfg!(target_os = "linux") {
        assert_eq!(s["async_threads"], "1", "{stdout}");
    }
    // A 10 ms heartbeat ticks about 18 times in the 200 ms: the thread is not blocked.
    assert!(number(&s, "heartbeats") >= 5.0, "{stdout}");
    assert_eq!(s["fixed_timed_out"], "no", "{stdout}");
    assert!(
        stdout.contains("guard held across .await   timeout"),
        "{stdout}"
    );
}

#[test]
fn the_minimal_program_sees_the_deadlock_and_ends() {
    let start = Instant::now();
    let out = Command::new(example("deadlock")).output().unwrap();
    let took = start.elapsed();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("a deadlock"), "{stdout}");
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(10),
        "{took:?}"
    );
}

#[test]
fn the_trace_shows_the_cycle_and_one_holder_at_a_time() {
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let (s, _, _) = run_small(&["--trace", path.to_str().unwrap()]);
    let trace = common::read_trace(&path);
    let waits = |group: &str, name: &str| -> Vec<common::Slice> {
        let slices = trace.slices_of(group);
        slices
            .into_iter()
            .filter(|s| s.name == name)
            .cloned()
            .collect()
    };
    // Opposite order: each holds one and waits for the other, both past the deadline, at once.
    let one = waits("opposite order", "holds A, waits for B");
    let two = waits("opposite order", "holds B, waits for A");
    assert_eq!((one.len(), two.len()), (1, 1), "{trace:?}");
    let overlap = one[0].end.min(two[0].end) - one[0].start.max(two[0].start);
    assert!(overlap >= 200e3, "they waited together {overlap} us");
    assert!(
        trace
            .moments
            .iter()
            .any(|m| m.name.starts_with("deadlock seen"))
    );
    // One order: the holders of both locks never overlap, and every round is there.
    let both = waits("one order", "holds A and B");
    assert_eq!(both.len(), 6);
    assert_eq!(common::most_at_once(&both.iter().collect::<Vec<_>>()), 1);
    // try_lock: as many back-off slices as the summary counts.
    let backoffs = waits("try_lock", "let go, backs off").len();
    assert_eq!(backoffs as f64, number(&s, "backoffs"));
    // Async: the heartbeat beats inside the task's hold of the lock.
    let hold = waits(
        "async, one thread: guard held",
        "holds the lock, awaits the helper",
    );
    assert_eq!(hold.len(), 1);
    let beats = trace.moments.iter().filter(|m| {
        m.group.starts_with("async, one thread: guard held")
            && m.name == "beat"
            && m.at >= hold[0].start
            && m.at <= hold[0].end
    });
    assert!(beats.count() >= 5);
}

#[test]
fn the_trace_changes_no_count() {
    let dir = common::TempDir::new();
    let path = dir.join("trace.json");
    let (plain, _, _) = run_small(&[]);
    let (traced, _, _) = run_small(&["--trace", path.to_str().unwrap()]);
    for key in [
        "stuck",
        "cycle",
        "children_left",
        "ordered_stuck",
        "trylock_done",
        "async_threads",
    ] {
        assert_eq!(plain[key], traced[key], "{key}");
    }
}

#[test]
fn bad_arguments_exit_2_naming_the_flag() {
    for args in [
        &["--deadline-ms=10"][..],
        &["--deadline-ms", "100", "--work-ms", "40"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--deadline-ms"));
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    let mut bin = Command::new(BIN);
    bin.args(SMALL);
    common::assert_one_error_line_on_a_full_disk(bin);
    common::assert_one_error_line_on_a_full_disk(Command::new(example("deadlock")));
}

#[test]
fn a_closed_pipe_ends_it_quietly() {
    let mut bin = Command::new(BIN);
    bin.args(SMALL);
    for cmd in [bin, Command::new(example("deadlock"))] {
        let (line, status, stderr) = first_line_then_close(cmd);
        assert!(line.contains("thread"), "{line}");
        assert!(status.success(), "{status}: {stderr}");
        assert_eq!(stderr, "");
    }
    let mut bin = Command::new(BIN);
    bin.args(SMALL);
    let (status, stderr) = common::reader_gone_from_the_start(bin);
    assert!(status.success() && stderr.is_empty(), "{status}: {stderr}");
}

/// SIGINT or SIGTERM to the demo alone, while its child hangs: the child ends too (its
/// stdin closes with the parent), nothing is left in the group.
#[cfg(target_os = "linux")]
#[test]
fn a_signal_mid_hang_leaves_no_process_behind() {
    use std::os::unix::process::CommandExt;
    for signal in ["INT", "TERM"] {
        let mut child = Command::new(BIN)
            .args(["--deadline-ms", "5000"])
            .process_group(0)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let group = child.id();
        let start = Instant::now();
        while common::processes_in_group(group).len() < 2 && start.elapsed().as_secs() < 10 {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(300)); // the pair is hung by now
        assert_eq!(
            common::processes_in_group(group).len(),
            2,
            "the demo and its child"
        );
        let kill = format!("kill -{signal} {group}");
        Command::new("sh").args(["-c", &kill]).status().unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success());
        let mut left = common::processes_in_group(group).len();
        let ended = Instant::now();
        while left > 0 && ended.elapsed() < Duration::from_secs(3) {
            std::thread::sleep(Duration::from_millis(20));
            left = common::processes_in_group(group).len();
        }
        if left > 0 {
            let _ = Command::new("sh")
                .args(["-c", &format!("kill -KILL -{group}")])
                .status();
        }
        assert_eq!(left, 0, "SIGINT left the child behind");
    }
}
