//! Runs the built binary and its minimal program as a user does, and checks what the demo
//! claims: which jobs completed, stopped or were aborted (counts exactly), shutdown
//! within the grace plus a margin (a ratio with slack for a busy machine or one core),
//! and that a real SIGINT or SIGTERM from outside ends it cleanly, leaving nothing behind.

mod common;
mod local;

use std::collections::HashMap;
use std::process::Command;

use common::{
    example, first_line_then_close, number, processes_in_group, reader_gone_from_the_start, summary,
};
use local::signal_on_cues;
use nix::sys::signal::Signal;

const BIN: &str = env!("CARGO_BIN_EXE_graceful-shutdown");

/// The claims that hold however the signal came: each job ended the way its length
/// says, the shutdown took the grace (the stuck job holds it to the end) and little more.
fn shutdown_claims(s: &HashMap<String, String>, grace_s: f64) {
    assert_eq!(s["jobs"], "4");
    assert_eq!(s["completed"], "1", "quick ends before the signal");
    assert_eq!(s["stopped"], "2", "steady and chunky stop at a safe point");
    assert_eq!(s["aborted"], "1", "stuck is aborted when the grace ends");
    assert_eq!(number(s, "grace_s"), grace_s);
    let shutdown = number(s, "shutdown_s");
    assert!(
        shutdown >= grace_s * 0.98,
        "shut down before the grace was over: {shutdown}"
    );
    assert!(
        shutdown <= grace_s + 0.25,
        "grace {grace_s} s, but shutdown took {shutdown} s"
    );
    assert!(number(s, "slowest_stop_s") < grace_s);
}

/// Returning from main without joining: none of the three jobs completes; joined, all do.
fn contrast_claims(s: &HashMap<String, String>) {
    assert_eq!(s["unjoined_spawned"], "3");
    assert_eq!(s["unjoined_completed"], "0");
    assert_eq!(s["unjoined_dropped"], "3");
    assert_eq!(s["joined_completed"], "3");
}

fn run_ok(cmd: &mut Command) -> (String, HashMap<String, String>) {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}: {stderr}", out.status);
    assert_eq!(stderr, "");
    let stdout = String::from_utf8(out.stdout).unwrap();
    local::assert_every_key_is_named_above(&stdout);
    let s = summary(&stdout);
    (stdout, s)
}

fn position(stdout: &str, text: &str) -> usize {
    stdout
        .find(text)
        .unwrap_or_else(|| panic!("no {text:?} in {stdout}"))
}

#[test]
fn its_own_sigint_stops_the_jobs_and_the_grace_aborts_the_stuck_one() {
    let (stdout, s) = run_ok(&mut Command::new(BIN));
    shutdown_claims(&s, 0.5);
    contrast_claims(&s);
    assert_eq!(s["signal"], "SIGINT");
    let signal_after = number(&s, "signal_after_s");
    assert!((0.345..0.6).contains(&signal_after), "{signal_after}");
    assert!((number(&s, "ideal_s") - 1.9).abs() < 1e-6);
    // The order of events: quick before the signal; stuck aborted only after the grace.
    let signal = position(&stdout, "SIGINT: telling every job to stop");
    assert!(position(&stdout, "quick   completed all 2 steps") < signal);
    assert!(signal < position(&stdout, "steady  stopped at a safe point"));
    let grace_over = position(&stdout, "the grace is over: aborting the 1 job(s)");
    assert!(grace_over < position(&stdout, "stuck   aborted"));
}

#[test]
fn the_claims_hold_on_one_core() {
    if Command::new("taskset")
        .args(["-c", "0", "true"])
        .status()
        .is_err()
    {
        eprintln!("taskset not found: skipping the one-core run");
        return;
    }
    let (_, s) = run_ok(Command::new("taskset").args(["-c", "0", BIN]));
    shutdown_claims(&s, 0.5);
    contrast_claims(&s);
}

#[test]
fn a_real_sigint_or_sigterm_from_outside_shuts_it_down_and_leaves_nothing() {
    for (signal, name) in [(Signal::SIGINT, "SIGINT"), (Signal::SIGTERM, "SIGTERM")] {
        let mut cmd = Command::new(BIN);
        cmd.args(["--wait-for-signal", "--grace-ms", "1000"]);
        let run = signal_on_cues(cmd, &[("waiting for Ctrl-C", signal)]);
        assert!(
            run.status.success(),
            "{name}: {} {}",
            run.status,
            run.stderr
        );
        assert_eq!(run.stderr, "");
        let s = summary(&run.stdout);
        assert_eq!(s["signal"], name);
        assert!(
            number(&s, "shutdown_s") <= 1.0 + 0.25,
            "{}",
            s["shutdown_s"]
        );
        assert_eq!(s["aborted"], "1");
        assert_eq!(number(&s, "completed") + number(&s, "stopped"), 3.0);
        contrast_claims(&s);
        assert_eq!(
            processes_in_group(run.group),
            Vec::<u32>::new(),
            "{name}: left behind"
        );
    }
}

#[test]
fn a_real_signal_before_its_own_is_the_only_one_counted() {
    // A real SIGINT at once; the demo's own, due 1 s later, falls inside the 1.5 s grace
    // and must not count as a second Ctrl-C: the grace runs to its end.
    let mut cmd = Command::new(BIN);
    cmd.args(["--signal-after-ms", "1000", "--grace-ms", "1500"]);
    let run = signal_on_cues(cmd, &[("jobs start", Signal::SIGINT)]);
    assert!(run.status.success(), "{} {}", run.status, run.stderr);
    let s = summary(&run.stdout);
    assert!(
        run.stdout.contains("the grace is over: aborting"),
        "{}",
        run.stdout
    );
    assert!(number(&s, "shutdown_s") >= 1.5 * 0.98, "{s:?}");
    assert!(number(&s, "signal_after_s") < 1.0, "{s:?}");
    // The deliberate waits count the real signal's time, not the demo's own plan.
    assert!(number(&s, "ideal_s") < 1.0 + 1.5 + 1.05, "{s:?}");
    assert_eq!(processes_in_group(run.group), Vec::<u32>::new());
}

#[test]
fn a_second_ctrl_c_ends_the_grace_at_once() {
    let mut cmd = Command::new(BIN);
    cmd.args(["--wait-for-signal", "--grace-ms", "60000"]);
    let cues = [
        ("waiting for Ctrl-C", Signal::SIGINT),
        ("telling every job to stop", Signal::SIGINT),
    ];
    let run = signal_on_cues(cmd, &cues);
    assert!(run.status.success(), "{} {}", run.status, run.stderr);
    let s = summary(&run.stdout);
    assert!(
        number(&s, "shutdown_s") < 10.0,
        "waited out a 60 s grace: {}",
        s["shutdown_s"]
    );
    assert!(
        run.stdout.contains("a second signal: aborting"),
        "{}",
        run.stdout
    );
    assert!(number(&s, "aborted") >= 1.0, "stuck, at least");
    let ended = number(&s, "completed") + number(&s, "stopped") + number(&s, "aborted");
    assert_eq!(ended, 4.0);
    assert_eq!(processes_in_group(run.group), Vec::<u32>::new());
}

#[test]
fn the_minimal_program_stops_the_short_jobs_and_aborts_the_stuck_one() {
    let out = Command::new(example("graceful")).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    assert_eq!(lines[0], "quick finished");
    assert!(
        lines[1].starts_with("Ctrl-C after 0.") && lines[1].ends_with("telling every job to stop")
    );
    // steady and chunky each stop at their next step's end; a signal that arrives late
    // (a busy machine) can bring those two ends together, so either may come first.
    let stopped = |name: &str, steps: &str| {
        lines[2..4]
            .iter()
            .any(|l| l.starts_with(&format!("{name} stopped after ")) && l.ends_with(steps))
    };
    assert!(stopped("steady", " of 20 steps"), "{stdout}");
    assert!(stopped("chunky", " of 5 steps"), "{stdout}");
    assert_eq!(lines[4], "grace of 0.50 s is over: aborting 1 job(s)");
    let secs: f64 = lines[5]["shut down ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((0.49..0.75).contains(&secs), "{}", lines[5]);
}

#[test]
fn bad_arguments_exit_2_naming_the_flag() {
    for (args, flag) in [
        (&["--grace-ms", "0"][..], "--grace-ms"),
        (&["--grace-ms", "70000"], "--grace-ms"),
        (&["--signal-after-ms", "0"], "--signal-after-ms"),
        (
            &["--wait-for-signal", "--signal-after-ms", "100"],
            "--signal-after-ms",
        ),
        (&["--grace"], "--grace"),
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(flag),
            "{args:?}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_it_quietly() {
    for (cmd, first) in [
        (Command::new(BIN), "1. jobs run until a signal"),
        (Command::new(example("graceful")), "quick finished"),
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
    demo.args(["--signal-after-ms", "10", "--grace-ms", "10"]);
    for cmd in [demo, Command::new(example("graceful"))] {
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
    demo.args(["--signal-after-ms", "10", "--grace-ms", "10"]);
    assert_one_error_line_on_a_full_disk(demo);
    assert_one_error_line_on_a_full_disk(Command::new(example("graceful")));
    if let Some(mut twin) = python_twin() {
        twin.args(["--signal-after-ms", "10", "--grace-ms", "10"]);
        assert_one_error_line_on_a_full_disk(twin);
    }
}
