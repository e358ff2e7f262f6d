//! The minimal program, run as a learner runs it: one baker switches cakes at the oven,
//! in an order fixed by the ovens alone; each of the two bakers bakes its cake in order.

mod common;

use std::process::Command;

use common::{example, first_line_then_close};

#[test]
fn one_baker_switches_at_the_oven_and_two_bakers_each_bake_their_own() {
    let out = Command::new(example("twocakes"))
        .output()
        .expect("run twocakes");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().map(str::trim).collect();
    // One thread: while a cake is in the oven the baker mixes the other one.
    assert_eq!(
        lines[..11],
        [
            "One baker (concurrency: one thread, switching at the oven):",
            "mixing cake 1 (step 1)",
            "cake 1 into the oven",
            "mixing cake 2 (step 1)",
            "cake 2 into the oven",
            "mixing cake 1 (step 2)",
            "cake 1 into the oven",
            "mixing cake 2 (step 2)",
            "cake 2 into the oven",
            "cake 1 is done",
            "cake 2 is done",
        ],
        "{stdout}"
    );
    // Two threads: the bakers' lines interleave as the OS runs them, but each baker's own
    // lines keep their order.
    for baker in ["baker 1: ", "baker 2: "] {
        let own: Vec<&str> = lines.iter().filter_map(|l| l.strip_prefix(baker)).collect();
        let cake = &baker[6..7];
        let expected: Vec<String> = [
            "mixing cake {c} (step 1)",
            "cake {c} into the oven",
            "mixing cake {c} (step 2)",
            "cake {c} into the oven",
            "cake {c} is done",
        ]
        .iter()
        .map(|l| l.replace("{c}", cake))
        .collect();
        assert_eq!(own, expected, "{stdout}");
    }
    assert_eq!(stdout.matches("both cakes in ").count(), 2, "{stdout}");
}

#[test]
fn the_minimal_program_ends_quietly_on_a_closed_pipe() {
    let (first, status, stderr) = first_line_then_close(Command::new(example("twocakes")));
    assert!(first.starts_with("One baker"), "{first}");
    assert_eq!(stderr, "");
    assert!(status.success(), "{status}");
}
