//! Runs the built binary and checks what the demo claims.

mod common;
mod local;

use std::process::{Command, Output};

use common::{number, summary};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_event-loop"))
        .args(args)
        .output()
        .expect("the demo binary runs")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn line_after<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?}"))
}

#[test]
fn scratch_loop_gives_the_same_results_as_tokio() {
    let text = stdout(&run(&[
        "--runtime",
        "both",
        "--clients",
        "2",
        "--step-ms",
        "60",
    ]));
    let s = summary(&text);
    local::assert_every_key_is_named_above(&text);
    assert_eq!(s["same_results"], "true", "{text}");
    let ours = line_after(&text, "finish order (scratch loop): ");
    assert_eq!(ours, line_after(&text, "finish order (tokio): "));
    assert_eq!(ours, "server nap echo-1 client-1 echo-2 client-2 rest long");
    assert_eq!(s["tasks"], "8");
    assert!(
        number(&s, "parks_on_io") >= 2.0 && number(&s, "wakeups") >= 5.0,
        "{text}"
    );
}

#[test]
fn narrate_shows_a_task_parked_on_io_then_woken_and_tasks_interleaved() {
    let text = stdout(&run(&[
        "--narrate",
        "--runtime",
        "scratch",
        "--clients",
        "2",
        "--step-ms",
        "60",
    ]));
    // "task 1 (client-1) pending on fd 4: ..." and later "woke task 1 (client-1): fd 4 readable"
    let parked_then_woken = text.lines().enumerate().any(|(n, line)| {
        let Some((who, rest)) = line.split_once(" pending on fd ") else {
            return false;
        };
        let who = who
            .trim_start()
            .split_once("  ")
            .map_or(who, |(_, w)| w)
            .trim();
        let fd = rest.split(':').next().unwrap_or_default();
        let woke = format!("woke {who}: fd {fd} ");
        text.lines().skip(n + 1).any(|later| later.contains(&woke))
    });
    assert!(
        parked_then_woken,
        "no task parked on an fd and later woken by it:\n{text}"
    );
    // Some task is polled, then another, then the first again: one thread, interleaved.
    let polled: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once("polled task "))
        .map(|(_, t)| t)
        .collect();
    let interleaved = polled.iter().enumerate().any(|(i, a)| {
        polled[i + 1..]
            .iter()
            .position(|b| b != a)
            .is_some_and(|j| polled[i + 1 + j..].contains(a))
    });
    assert!(
        interleaved,
        "polls of tasks are not interleaved: {polled:?}"
    );
    assert!(
        text.contains("timer for task") && text.contains("poll("),
        "{text}"
    );
}

#[test]
fn concurrent_tasks_take_about_the_longest_wait_not_the_sum() {
    let text = stdout(&run(&["--runtime", "scratch"]));
    let s = summary(&text);
    let (elapsed, longest, sum) = (
        number(&s, "elapsed_s"),
        number(&s, "longest_wait_s"),
        number(&s, "sum_of_waits_s"),
    );
    assert!(
        elapsed >= longest * 0.95,
        "finished before the longest sleep? {elapsed} < {longest}"
    );
    assert!(
        elapsed < longest * 1.8,
        "elapsed {elapsed} s is not near the longest wait {longest} s"
    );
    assert!(
        elapsed < sum / 2.0,
        "elapsed {elapsed} s looks like the sum of waits {sum} s"
    );
    assert_eq!(s["same_results"], "na");
}

#[test]
fn tokio_alone_runs_the_same_tasks() {
    let text = stdout(&run(&[
        "--runtime",
        "tokio",
        "--clients",
        "1",
        "--step-ms",
        "60",
    ]));
    assert_eq!(
        line_after(&text, "finish order (tokio): "),
        "server nap echo-1 client-1 rest long"
    );
    assert_eq!(summary(&text)["parks_on_io"], "na");
}

/// Note 002 says the loop takes the next task "by priority, not order". Measured: five tasks
/// made ready in a known order each hand the thread back once, and four sleeps are armed
/// out of order. The scratch loop runs the ready tasks first come, first served, both
/// rounds, and fires the timers nearest deadline first; tokio runs its spawned tasks in
/// order too, and fires its timers by deadline. The order does not depend on timing (a
/// heap of deadlines, a queue of ids), so it holds on one busy core.
#[test]
fn ready_tasks_run_first_come_first_served_and_timers_by_deadline() {
    let text = stdout(&run(&[
        "--runtime",
        "both",
        "--clients",
        "1",
        "--step-ms",
        "60",
    ]));
    let s = summary(&text);
    assert_eq!(s["ready_order"], "fifo", "{text}");
    assert_eq!(s["timer_order"], "deadline", "{text}");
    let row = |name: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(name) && l.contains(" | "))
            .unwrap_or_else(|| panic!("no order row for {name}:\n{text}"))
            .to_string()
    };
    let ours = row("scratch loop  t1");
    assert!(
        ours.contains("t1 t2 t3 t4 t5 | t1 t2 t3 t4 t5") && ours.contains("6 12 18 24"),
        "{ours}"
    );
    assert!(
        text.contains("sleeps armed in the order 24 6 18 12 ms"),
        "{text}"
    );
    let theirs = row("tokio         t1");
    assert!(
        theirs.contains("t1 t2 t3 t4 t5 | "),
        "tokio's spawned tasks in order: {theirs}"
    );
    assert!(
        theirs.contains("6 12 18 24") && theirs.ends_with("deadline"),
        "{theirs}"
    );
}

#[test]
fn bad_flags_exit_2() {
    for args in [
        &["--clients", "0"][..],
        &["--runtime", "asyncio"],
        &["--step-ms", "5"],
        &["--bogus"],
        &["--narrate", "--runtime", "tokio"],
        &["--serve", "127.0.0.1:0", "--runtime", "both"],
        &["--serve", "127.0.0.1:0", "--clients", "2"],
        &["--serve", "127.0.0.1:0", "--trace", "t.json"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
}
