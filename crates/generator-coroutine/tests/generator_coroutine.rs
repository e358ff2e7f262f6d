//! Runs the built binary and checks what it claims: both styles play exactly the same
//! dialogue, n exchanges each, and the consumer closes cleanly.

use std::collections::HashMap;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_generator-coroutine"))
        .args(args)
        .output()
        .expect("the generator-coroutine binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn summary(out: &Output) -> HashMap<String, String> {
    let text = stdout(out);
    let last = text.lines().last().expect("some output");
    last.strip_prefix("summary: ")
        .expect("last line is the summary")
        .split_whitespace()
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("key=value");
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// The lines printed under the heading that starts with `heading`, up to the next heading.
fn section(text: &str, heading: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| !l.starts_with(heading))
        .skip(1)
        .take_while(|l| !l.starts_with("==") && !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn both_styles_play_exactly_the_same_dialogue() {
    let out = run(&["--n", "4", "--time-exchanges", "0"]);
    assert!(out.status.success());
    let text = stdout(&out);
    let by_hand = section(
        &text,
        "== (a) hand-written state machine: producer and consumer",
    );
    let by_compiler = section(
        &text,
        "== (b) async block polled by hand: producer and consumer",
    );
    assert_eq!(by_hand, by_compiler);
    assert_eq!(by_hand.len(), 3 * 4 + 3);
    assert_eq!(by_hand[0], "[PRODUCER] Starting the consumer: send(None)");
    assert_eq!(
        by_hand[1..4],
        [
            "[PRODUCER] Producing 1",
            "[CONSUMER] Consuming 1",
            "[PRODUCER] Consumer return: 200 OK from iter 1"
        ]
    );
    assert_eq!(
        by_hand.last().unwrap(),
        "[CONSUMER] Loop ended after 4 messages"
    );

    let two_way_a = section(
        &text,
        "== (a) hand-written state machine: two-way generator",
    );
    let two_way_b = section(
        &text,
        "== (b) async block polled by hand: two-way generator",
    );
    assert_eq!(two_way_a, two_way_b);
    assert!(two_way_a.contains(&"send(10)   -> \"Got 10\"".to_string()));

    let s = summary(&out);
    assert_eq!(s["n"], "4");
    assert_eq!(s["exchanges_state_machine"], "4");
    assert_eq!(s["exchanges_async"], "4");
    assert_eq!(s["dialogues_equal"], "true");
    assert_eq!(s["closed_cleanly"], "true");
    assert_eq!(s["two_way_equal"], "true");
    assert_eq!(s["ideal_s"], "0.000");
}

#[test]
fn defaults_follow_the_notes_five_messages() {
    let out = run(&["--time-exchanges", "1000"]);
    assert!(out.status.success());
    let s = summary(&out);
    assert_eq!(s["n"], "5");
    assert_eq!(s["exchanges_state_machine"], "5");
    assert_eq!(s["exchanges_async"], "5");
    assert!(s["ns_per_exchange_state_machine"].parse::<f64>().unwrap() > 0.0);
    assert!(s["ns_per_exchange_async"].parse::<f64>().unwrap() > 0.0);
}

#[test]
fn one_style_runs_alone() {
    let out = run(&["--n", "3", "--style", "async", "--time-exchanges", "0"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(!text.contains("== (a)"));
    assert_eq!(text.matches("[PRODUCER] Producing").count(), 3);
    let s = summary(&out);
    assert_eq!(s["exchanges_state_machine"], "0");
    assert_eq!(s["exchanges_async"], "3");
    assert_eq!(s["closed_cleanly"], "true");

    let out = run(&[
        "--n",
        "2",
        "--style",
        "state-machine",
        "--time-exchanges",
        "0",
    ]);
    assert!(out.status.success());
    let s = summary(&out);
    assert_eq!(s["exchanges_state_machine"], "2");
    assert_eq!(s["exchanges_async"], "0");
    assert_eq!(s["dialogues_equal"], "true");
}

#[test]
fn bad_flags_exit_with_code_2() {
    for bad in [
        &["--n", "0"][..],
        &["--n", "five"],
        &["--style", "greenlet"],
        &["--no-such-flag"],
    ] {
        let out = run(bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(out.stdout.is_empty(), "{bad:?}");
    }
}
