//! Runs the built binary and its minimal program as a user does, and checks every claim
//! the demo makes: counts exactly, times as ratios of the shortest sleep with wide slack
//! (a debug build on a busy machine, or on one core, wakes late, never early).

mod common;
mod local;

use std::collections::HashMap;
use std::process::Command;

use common::{example, first_line_then_close, number, reader_gone_from_the_start, summary};

const BIN: &str = env!("CARGO_BIN_EXE_select-first");

fn run(cmd: &mut Command) -> (String, HashMap<String, String>) {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}: {stderr}", out.status);
    assert_eq!(stderr, "");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let s = summary(&stdout);
    (stdout, s)
}

/// `elapsed` is at least one unit (a sleep never ends early) and well under the next
/// sleep's end plus a busy machine's lateness.
fn about_one_unit(s: &HashMap<String, String>, key: &str, unit_s: f64) {
    let ratio = number(s, key) / unit_s;
    assert!((0.98..2.5).contains(&ratio), "{key}: {ratio} units");
}

fn every_claim_holds(stdout: &str, s: &HashMap<String, String>, unit_ms: u64, messages: u64) {
    local::assert_every_key_is_named_above(stdout);
    let unit_s = unit_ms as f64 / 1000.0;
    let has = |line: &str| stdout.lines().any(|l| l.trim_start().starts_with(line));
    // 1. select! returns the shortest, and its losers are gone before its handler runs.
    assert_eq!(number(s, "first_ms"), unit_ms as f64);
    about_one_unit(s, "first_elapsed_s", unit_s);
    assert_eq!(s["losers_running"], "0");
    assert_eq!(s["losers_cleanup"], "2");
    assert_eq!(s["losers_finished"], "0");
    // 2. join_next in completion order, not spawn order (3, 1, 2).
    let order = [1, 2, 3].map(|k| (k * unit_ms).to_string()).join(",");
    let line = format!("results, in the order join_next returned them: {order} ms;");
    assert!(has(&line), "{line}\n{stdout}");
    assert_eq!(s["in_completion_order"], "true");
    // 3. A dropped JoinSet aborts the two it held; none of them finishes afterwards.
    assert!(has("the set held 2 tasks when dropped"), "{stdout}");
    assert_eq!(s["set_aborted"], "2");
    assert_eq!(s["set_finished"], "0");
    // 4. try_join! ends at the error, after one unit, and the other two never finish.
    let error = format!("try_join! returned Err(\"failed after {unit_ms} ms\") after");
    assert!(has(&error), "{error}\n{stdout}");
    about_one_unit(s, "try_join_error_s", unit_s);
    assert_eq!(s["try_join_cleanup"], "2");
    assert_eq!(s["try_join_finished"], "0");
    // 5. The loop that reads two in a row loses every third message; the other none.
    assert_eq!(number(s, "messages"), messages as f64);
    assert_eq!(number(s, "lossy_lost"), (messages / 3) as f64);
    let received = messages - messages / 3;
    let line =
        format!("a loop that reads two in a row: sent {messages} (messages), received {received},");
    assert!(has(&line), "{line}\n{stdout}");
    assert_eq!(s["safe_lost"], "0");
    let line =
        format!("a loop that reads one per poll: sent {messages} (messages), received {messages},");
    assert!(has(&line), "{line}\n{stdout}");
    assert!((number(s, "ideal_s") - 13.5 * unit_s).abs() < 1e-6);
}

#[test]
fn select_drops_the_losers_and_the_lossy_loop_loses_every_third_message() {
    let (stdout, s) = run(Command::new(BIN).args(["--delay-ms", "100", "--messages", "30"]));
    every_claim_holds(&stdout, &s, 100, 30);
    // The losers' cleanup lines come before select!'s handler reports the winner.
    let dropped = stdout.find("200 ms nap dropped").unwrap();
    assert!(
        dropped < stdout.find("select! returned the 100 ms nap").unwrap(),
        "{stdout}"
    );
}

#[test]
fn the_loss_is_certain_for_any_count() {
    for messages in [3, 31, 32, 3000] {
        let args = ["--delay-ms", "20", "--messages", &messages.to_string()];
        let (_, s) = run(Command::new(BIN).args(args));
        assert_eq!(
            number(&s, "lossy_lost"),
            (messages / 3) as f64,
            "{messages}"
        );
        assert_eq!(s["safe_lost"], "0", "{messages}");
    }
}

#[test]
fn every_claim_holds_on_one_core() {
    if Command::new("taskset")
        .args(["-c", "0", "true"])
        .status()
        .is_err()
    {
        eprintln!("taskset not found: skipping the one-core run");
        return;
    }
    let mut cmd = Command::new("taskset");
    cmd.args(["-c", "0", BIN, "--delay-ms", "100", "--messages", "300"]);
    let (stdout, s) = run(&mut cmd);
    every_claim_holds(&stdout, &s, 100, 300);
}

#[test]
fn the_minimal_program_drops_the_losers_and_joins_in_completion_order() {
    let (out, _) = (
        Command::new(example("firstcompleted")).output().unwrap(),
        (),
    );
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[..4],
        [
            "100 ms finished",
            "100 ms cleaned up",
            "200 ms cleaned up",
            "300 ms cleaned up"
        ],
        "{stdout}"
    );
    assert!(lines[4].starts_with("first: 100 ms after 0."), "{stdout}");
    let completed: Vec<&str> = lines[5..]
        .iter()
        .map(|l| &l[..l.find(" ms").unwrap()])
        .collect();
    assert_eq!(
        completed,
        ["completed: 100", "completed: 200", "completed: 300"]
    );
    assert!(!stdout.contains("200 ms finished") && !stdout.contains("300 ms finished"));
}

#[test]
fn bad_arguments_exit_2_naming_the_flag() {
    for (args, flag) in [
        (&["--delay-ms", "5"][..], "--delay-ms"),
        (&["--delay-ms", "100000"], "--delay-ms"),
        (&["--messages", "2"], "--messages"),
        (&["--messages", "5000000"], "--messages"),
        (&["--wait-first"], "--wait-first"),
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
    let mut demo = Command::new(BIN);
    demo.args(["--delay-ms", "20"]);
    for (cmd, first) in [
        (demo, "1. select! over naps of 20, 40 and 60 ms"),
        (Command::new(example("firstcompleted")), "100 ms finished"),
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
    demo.args(["--delay-ms", "20"]);
    for cmd in [demo, Command::new(example("firstcompleted"))] {
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
    demo.args(["--delay-ms", "20", "--messages", "3"]);
    assert_one_error_line_on_a_full_disk(demo);
    assert_one_error_line_on_a_full_disk(Command::new(example("firstcompleted")));
    // The twin line by line (each print fails at once, inside a part) and buffered (the
    // writes fail at exit): one error line either way.
    for unbuffered in [true, false] {
        let Some(mut twin) = python_twin() else {
            return;
        };
        match unbuffered {
            true => twin.env("PYTHONUNBUFFERED", "1"),
            false => twin.env_remove("PYTHONUNBUFFERED"),
        };
        twin.args(["--delay-ms", "20", "--messages", "3"]);
        assert_one_error_line_on_a_full_disk(twin);
    }
}
