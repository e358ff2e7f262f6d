//! Runs the built binary and its minimal program as a user does, and checks their claims.

mod common;
mod local;

use std::process::Command;

use common::{example, first_line_then_close, number, summary};

const BIN: &str = env!("CARGO_BIN_EXE_semaphore");

#[test]
fn the_server_sees_exactly_the_limit_and_without_one_everything_at_once() {
    let out = Command::new(BIN)
        .args(["--requests", "40", "--limit", "4", "--latency-ms", "100"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    local::assert_every_key_is_named_above(&stdout);
    let s = summary(&stdout);
    // The table's rounds: 40 / 4 = 10 for the limited rows, 1 without a limit.
    let rounds: Vec<(String, f64)> = (local::table(&stdout).into_iter())
        .map(|(row, figures)| (row, figures[1].1))
        .collect();
    let expected = [("semaphore", 10.0), ("buffered", 10.0), ("unlimited", 1.0)];
    assert_eq!(rounds, expected.map(|(r, n)| (r.to_owned(), n)));
    // Counts, exactly: the server never had more than 4 in progress, and did have 4.
    assert_eq!(number(&s, "peak_semaphore"), 4.0, "{s:?}");
    assert_eq!(number(&s, "peak_buffered"), 4.0, "{s:?}");
    // The permit is taken before the spawn: never more than 4 tasks alive either.
    assert_eq!(number(&s, "tasks_semaphore"), 4.0, "{s:?}");
    assert_eq!(number(&s, "peak_unlimited"), 40.0, "{s:?}");
    assert_eq!(number(&s, "tasks_unlimited"), 40.0, "{s:?}");
    // Every permit went back exactly once: 4 free, never more.
    assert_eq!(number(&s, "available_after"), 4.0, "{s:?}");
    // 40 / 4 = 10 latencies back to back: never faster, and not far slower even when
    // the machine is busy. Without a limit, about one latency: far less than ten.
    for key in ["ratio_semaphore", "ratio_buffered"] {
        let ratio = number(&s, key);
        assert!((0.99..4.0).contains(&ratio), "{key}={ratio}");
    }
    assert!(number(&s, "ratio_unlimited") < 5.0, "{s:?}");
}

#[test]
fn the_minimal_program_keeps_ten_in_progress() {
    let out = Command::new(example("tenatatime")).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "1000 requests, 10 at a time, each 10 ms at the server"
    );
    assert_eq!(lines[1], "1000 requests, at most 10 in progress at once");
    let took: f64 = lines[2]["took ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((0.99..4.0).contains(&took), "{stdout}");
    assert_eq!(lines[3], "permits available afterwards: 10");
}

#[test]
fn bad_arguments_exit_2_naming_the_flag() {
    for (args, flag) in [
        (&["--limit", "0"][..], "--limit"),
        (&["--requests", "1"], "--requests"),
        (&["--requests", "20000"], "--requests"),
        (&["--latency-ms", "0"], "--latency-ms"),
        (&["--requests", "10", "--limit", "10"], "--limit"),
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
fn too_few_open_files_is_one_error_line() {
    // A hard limit of 100 open files cannot hold 200 requests at once (400 sockets).
    let script = format!("ulimit -n 100 && ulimit -Hn 100 && exec '{BIN}' --requests 200");
    let out = Command::new("sh").args(["-c", &script]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains("--requests"),
        "{stderr}"
    );
}

#[test]
fn a_closed_pipe_ends_it_quietly() {
    // Both print their first line before the work: the rest comes after the close.
    let mut bin = Command::new(BIN);
    bin.args(["--requests", "20", "--limit", "2", "--latency-ms", "20"]);
    for cmd in [bin, Command::new(example("tenatatime"))] {
        let (line, status, stderr) = first_line_then_close(cmd);
        assert!(line.contains("requests"), "{line}");
        assert!(status.success(), "{status}: {stderr}");
        assert_eq!(stderr, "");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    use common::{assert_one_error_line_on_a_full_disk, python_twin};
    let mut bin = Command::new(BIN);
    bin.args(["--requests", "4", "--limit", "2", "--latency-ms", "5"]);
    assert_one_error_line_on_a_full_disk(bin);
    assert_one_error_line_on_a_full_disk(Command::new(example("tenatatime")));
    if let Some(mut py) = python_twin() {
        py.args(["--requests", "4", "--limit", "2", "--latency-ms", "5"]);
        assert_one_error_line_on_a_full_disk(py);
    }
}

#[test]
fn requests_that_cannot_all_be_in_flight_in_the_address_space_fail_ahead() {
    // 9,000 requests in flight at once need about 690 MiB: this aborted in the row without
    // a limit ("memory allocation of 8192 bytes failed") before the check.
    let in_300_mb = |requests: &str| {
        let script = r#"ulimit -v 300000 && exec "$0" "$@""#;
        let mut sh = Command::new("sh");
        sh.args(["-c", script, BIN, "--requests", requests, "--limit", "100"]);
        sh.args(["--latency-ms", "20"]).output().unwrap()
    };
    let out = in_300_mb("9000");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: ")
            && stderr.contains("--requests 9000")
            && stderr.contains("ulimit -v"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "it started the run");
    // A number the check lets through runs to the end in the same limit.
    let out = in_300_mb("2000");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = summary(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(number(&s, "tasks_unlimited"), 2000.0, "{s:?}");
}
