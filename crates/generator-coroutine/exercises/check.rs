//! The checks of generator-coroutine's exercises: `make exercise NAME=...` builds the
//! exercise and runs this with the program's path. Each check runs the program and
//! measures it.

mod checking;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use checking::{Exercise, Verdict, failed, run};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "generator_resume_arm",
        question: "the producer sends 1 to 5: what does each resume return? And a 0?",
        goal: "every line the notes' generator gives for the check's messages, a 0 among \
               them, in order; and the program ends",
        hints: [
            "match input: a 0 (or None) ends the generator, any other n is consumed",
            "each branch sets *self to the next state: Finished, or AtYield { consumed: consumed + 1 }",
        ],
        check: resume_arm,
    }])
}

/// What the notes' consumer generator, driven by the exercise's producer, prints for
/// `messages`: the generator's own semantics, computed here, not read from the program.
fn expected(messages: &[u32]) -> Vec<String> {
    let mut lines = Vec::new();
    for (consumed, &n) in messages.iter().enumerate() {
        lines.push(format!("[PRODUCER] Producing {n}"));
        if n == 0 {
            lines.push(format!(
                "[PRODUCER] the consumer returned after {consumed} messages"
            ));
            break;
        }
        lines.push(format!("[CONSUMER] Consuming {n}"));
        lines.push(format!("[PRODUCER] Consumer return: 200 OK from iter {n}"));
    }
    lines
}

/// Sends messages the program cannot know beforehand (new each run, a 0 part-way, more
/// after it that must never be consumed) and compares the whole dialogue, line by line.
fn resume_arm(program: &Path) -> Verdict {
    let seed = std::process::id();
    let before = 2 + seed % 4; // 2 to 5 messages, then 0, then two more
    let mut messages: Vec<u32> = (0..before).map(|i| 10 + (seed / 7 + i * 13) % 90).collect();
    messages.extend([0, 41, 42]);
    let args: Vec<String> = messages.iter().map(u32::to_string).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = run(program, &args, Duration::from_secs(10));
    if let Some(why) = failed(&run) {
        return Verdict {
            measured: why,
            passed: false,
        };
    }
    let want = expected(&messages);
    let got: Vec<&str> = run.stdout.lines().collect();
    let same = got.len() == want.len() && got.iter().zip(&want).all(|(g, w)| g == w);
    let first_wrong = got
        .iter()
        .zip(&want)
        .position(|(g, w)| g != w)
        .unwrap_or(got.len().min(want.len()));
    Verdict {
        measured: if same {
            format!(
                "all {} lines right for messages {}",
                want.len(),
                args.join(" ")
            )
        } else {
            format!(
                "for messages {}: line {} is {:?}, the notes' generator gives {:?}",
                args.join(" "),
                first_wrong + 1,
                got.get(first_wrong).unwrap_or(&"(nothing)"),
                want.get(first_wrong).map_or("(nothing)", String::as_str)
            )
        },
        passed: same,
    }
}
