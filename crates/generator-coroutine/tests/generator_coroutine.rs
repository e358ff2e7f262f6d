//! Runs the built binary and checks what it claims: both styles print exactly what the
//! notes' two programs print (the narration apart), n exchanges each, and the consumer
//! closes cleanly.

mod common;
mod local;

use std::process::{Command, Output};

use common::{example, first_line_then_close, number, python_twin, summary};
use local::{NOTES_PRODUCER_CONSUMER, NOTES_TWO_WAY, section, without_narration};

const BIN: &str = env!("CARGO_BIN_EXE_generator-coroutine");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("the generator-coroutine binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn both_styles_print_exactly_the_notes_lines_and_narrate_apart() {
    let out = run(&["--time-exchanges", "0"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for style in [
        "(a) hand-written state machine",
        "(b) async block polled by hand",
    ] {
        let dialogue = section(&text, &format!("== {style}: producer and consumer"));
        assert_eq!(
            without_narration(&dialogue),
            NOTES_PRODUCER_CONSUMER,
            "{style}"
        );
        assert_eq!(
            dialogue.last().unwrap(),
            "  # [CONSUMER] loop ended after 5 messages",
            "{style}"
        );
        let two_way = section(&text, &format!("== {style}: two-way generator"));
        assert_eq!(without_narration(&two_way), NOTES_TWO_WAY, "{style}");
        // The notes' slip is said where their program is played: `gen` is never made.
        assert!(
            two_way[0]
                .starts_with("  # gen = interactive_generator(), the line the notes leave out")
                && two_way[0].ends_with("NameError: name 'gen' is not defined"),
            "{}",
            two_way[0]
        );
        assert_eq!(
            two_way.last().unwrap(),
            "  # send(30): it ran off its end (StopIteration)"
        );
    }
    let s = summary(&text);
    assert_eq!(s["n"], "5");
    assert_eq!(s["exchanges"], "5");
    assert_eq!(s["dialogues_equal"], "true");
    assert_eq!(s["closed_cleanly"], "true");
    assert_eq!(s["two_way_equal"], "true");
    assert_eq!(s["ideal_s"], "0.000");
}

#[test]
fn both_styles_play_the_same_dialogue_for_any_n() {
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
    assert_eq!(without_narration(&by_hand), NOTES_PRODUCER_CONSUMER[..12]);
    let s = summary(&text);
    assert_eq!(s["exchanges"], "4");
    assert_eq!(s["dialogues_equal"], "true");
    assert_eq!(s["closed_cleanly"], "true");
}

#[test]
fn the_exchange_costs_are_measured() {
    let out = run(&["--time-exchanges", "1000"]);
    assert!(out.status.success());
    let s = summary(&stdout(&out));
    assert!(number(&s, "ns_per_exchange_state_machine") > 0.0);
    assert!(number(&s, "ns_per_exchange_async") > 0.0);
}

#[test]
fn one_style_runs_alone() {
    let out = run(&["--n", "3", "--style", "async", "--time-exchanges", "0"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(!text.contains("== (a)"));
    assert_eq!(text.matches("[PRODUCER] Producing").count(), 3);
    assert!(!text.contains("(a) hand-written state machine"), "{text}");
    let s = summary(&text);
    assert_eq!(s["exchanges"], "3");
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
    assert!(!stdout(&out).contains("(b) async block"));
    let s = summary(&stdout(&out));
    assert_eq!(s["exchanges"], "2");
    assert_eq!(s["dialogues_equal"], "true");
}

#[test]
fn bad_flags_exit_with_code_2() {
    for bad in [
        &["--n", "0"][..],
        &["--n", "five"],
        &["--style", "greenlet"],
        &["--style", "generator"],
        &["--no-such-flag"],
    ] {
        let out = run(bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(out.stdout.is_empty(), "{bad:?}");
    }
}

/// The first line is read and the pipe closed while the program times its exchanges; the
/// table it prints after that meets the closed pipe.
#[test]
fn a_closed_pipe_ends_it_quietly() {
    let mut cmd = Command::new(BIN);
    cmd.args(["--time-exchanges", "1000000"])
        .env("RUST_BACKTRACE", "1");
    let (line, status, stderr) = first_line_then_close(cmd);
    assert!(
        line.starts_with("== (a) hand-written state machine"),
        "{line}"
    );
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
}

/// stdout on a full disk: one `error:` line and status 1 from the demo, both minimal
/// programs and the twin, never a panic or a lost-output exit 0.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    use common::assert_one_error_line_on_a_full_disk;
    let small = ["--n", "2", "--time-exchanges", "0"];
    let mut bin = Command::new(BIN);
    bin.args(small);
    assert_one_error_line_on_a_full_disk(bin);
    for name in ["generator_consumer", "interactive_generator"] {
        assert_one_error_line_on_a_full_disk(Command::new(example(name)));
    }
    if let Some(mut py) = python_twin() {
        py.args(small);
        assert_one_error_line_on_a_full_disk(py);
    }
}
