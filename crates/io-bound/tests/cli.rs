//! Runs the built binary with small numbers and checks what the demo claims: the waits
//! overlap in every concurrent row, the async row has the requests in flight on ONE
//! thread, the blocking mistake is as slow as sequential, every request succeeds.

mod common;
mod local;

use common::number;
use local::{assert_every_key_is_named_above, figures_of, run, stderr, summary_of};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::Stdio;

#[test]
fn overlapping_waits_beat_sequential_and_the_async_row_runs_on_one_thread() {
    // 12 requests of 100 ms: sequential needs 1.2 s, the concurrent rows about 0.1 s.
    let out = run(&["--requests", "12", "--latency-ms", "100", "--pool", "4"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_every_key_is_named_above(&out);
    let s = figures_of(&out);
    let f = |key: &str| number(&s, key);
    let seq = f("sequential_s");
    assert!(seq >= 1.2, "sequential {seq} s is faster than its waits");
    for row in ["threads", "async", "threads_behind_async"] {
        let secs = f(&format!("{row}_s"));
        assert!(secs < seq / 3.0, "{row}: {secs} s vs sequential {seq} s");
        assert!(f(&format!("speedup_{row}")) > 3.0);
    }
    assert!(f("pool_s") >= 0.3, "a pool of 4 needs 3 rounds of 100 ms");
    assert!(f("pool_s") < seq, "pool no faster than sequential");
    let blocked = f("blocked_async_s");
    assert!(
        blocked >= 0.7 * seq,
        "the mistake ({blocked} s) should be as slow as sequential"
    );
    // Every response was OK and counted by the server: 6 methods x 12 requests.
    assert_eq!(s["all_ok"], "true");
    assert_eq!(s["served"], "72");
    assert!(
        (f("ideal_s") - 3.0).abs() < 1e-9,
        "ideal_s {}",
        s["ideal_s"]
    );
    // What the server saw at once: the structure behind the timings.
    assert_eq!(s["peak_sequential"], "1");
    assert_eq!(s["peak_blocked_async"], "1");
    assert!(
        (2.0..=4.0).contains(&f("peak_pool")),
        "peak_pool {}",
        s["peak_pool"]
    );
    for row in ["threads", "async", "threads_behind_async"] {
        let peak = f(&format!("peak_{row}"));
        assert!(
            peak >= 9.0,
            "{row}: only {peak} of 12 requests in progress at once"
        );
    }
    // And the client's OS threads: the async row did all of it on ONE thread.
    assert_eq!(s["threads_async"], "1");
    assert_eq!(s["threads_sequential"], "1");
    assert_eq!(s["threads_blocked_async"], "1");
    assert!(
        f("threads_threads") >= 9.0,
        "threads row: {}",
        s["threads_threads"]
    );
    assert!(f("threads_threads_behind_async") >= 9.0);
    // Memory per request in flight: only where enough were in flight to measure it.
    for row in ["threads", "async", "threads_behind_async"] {
        assert!(f(&format!("kib_per_request_{row}")) >= 0.0);
    }
    for row in ["sequential", "pool", "blocked_async"] {
        assert!(!s.contains_key(&format!("kib_per_request_{row}")));
    }
}

#[test]
fn a_task_in_flight_costs_less_memory_than_a_thread() {
    // One method per run, so neither reuses memory the other freed.
    let per_request = |method: &str| {
        let out = run(&["--requests", "300", "--latency-ms", "500", "--only", method]);
        assert!(out.status.success(), "{}", stderr(&out));
        let s = figures_of(&out);
        assert_eq!(s["all_ok"], "true");
        number(&s, &format!("kib_per_request_{method}"))
    };
    let (threads, tasks) = (per_request("threads"), per_request("async"));
    assert!(
        threads > 1.5 * tasks,
        "threads {threads} KiB vs tasks {tasks} KiB per request"
    );
}

#[test]
fn only_runs_the_methods_asked_for() {
    // The table's spelling (threads_behind_async) works as well as clap's (blocked-async).
    for only in ["async,blocked-async", "async,blocked_async"] {
        let out = run(&["--requests", "3", "--latency-ms", "10", "--only", only]);
        assert!(out.status.success(), "{}", stderr(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("reqwest tasks, one thread"));
        assert!(!stdout.contains("threads take turns"));
        let s = figures_of(&out);
        assert!(s.contains_key("async_s") && s.contains_key("blocked_async_s"));
        assert!(!s.contains_key("sequential_s") && !s.contains_key("speedup_async"));
        assert_eq!(s["served"], "6");
        assert_every_key_is_named_above(&out);
    }
}

#[test]
fn table_has_one_row_per_method_named_as_the_summary_names_it() {
    let out = run(&["--requests", "3", "--latency-ms", "10", "--pool", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<(&str, String)> = (stdout.lines())
        .skip_while(|l| !l.starts_with("method "))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| {
            (
                l.split_whitespace().next().unwrap(),
                l[21..47].trim_end().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("sequential", "one after another"),
        ("threads", "a thread per request"),
        ("pool", "2 threads take turns"),
        ("async", "reqwest tasks, one thread"),
        ("threads_behind_async", "tasks -> spawn_blocking"),
        ("blocked_async", "ureq inside tasks: mistake"),
    ];
    let rows: Vec<(&str, &str)> = rows.iter().map(|(k, h)| (*k, h.as_str())).collect();
    assert_eq!(rows, expected);
    // Every request of every row was answered whole, and the server counted 6 x 3.
    let s = figures_of(&out);
    assert_eq!(s["all_ok"], "true");
    assert_eq!(s["served"], "18");
    assert_every_key_is_named_above(&out);
}

#[test]
fn bad_flags_are_usage_errors() {
    for args in [
        &["--requests", "0"][..],
        &["--requests", "10001"],
        &["--pool", "many"],
        &["--only", "fast"],
        &["--url", "https://example.com/"],
        &["--url", "http://127.0.0.1:1/", "--serve"],
        &["--serve", "127.0.0.1:0", "--requests", "5"],
        &["--serve", "not-an-address"],
        &["--no-such-flag"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn an_unreachable_url_is_one_error_line() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let out = run(&["--url", &url, "--requests", "2", "--only", "async"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    assert!(
        err.starts_with("error: 2 of 2 requests failed in the row \"async"),
        "stderr: {err}"
    );
}

#[test]
fn a_closed_pipe_ends_the_program_quietly() {
    // The table is still at least 0.3 s away (3 sequential requests of 100 ms) when
    // the reader goes away.
    let mut child = local::command(env!("CARGO_BIN_EXE_io-bound"))
        .args(["--requests", "3", "--latency-ms", "100"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("io-bound: 3 requests"), "{first}");
    let out = child.wait_with_output().unwrap(); // stdout was dropped: the pipe is closed
    assert!(out.status.success(), "status {:?}", out.status);
    assert_eq!(stderr(&out), "");
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    use common::{assert_one_error_line_on_a_full_disk, example, python_twin};
    let bin = env!("CARGO_BIN_EXE_io-bound");
    let mut demo = local::command(bin);
    demo.args(["--requests", "2", "--latency-ms", "0", "--only", "async"]);
    assert_one_error_line_on_a_full_disk(demo);
    let mut serve = local::command(bin);
    serve.args(["--serve", "127.0.0.1:0"]);
    assert_one_error_line_on_a_full_disk(serve);
    assert_one_error_line_on_a_full_disk(local::command(example("download_sites")));
    if let Some(mut py) = python_twin() {
        py.args(["--requests", "2", "--latency-ms", "0"]);
        assert_one_error_line_on_a_full_disk(py);
    }
}

/// Runs the demo as `sh -c 'ulimit -v 300000; exec BIN ARGS'`: a process that may map
/// only 292 MiB, as a shared machine or a container may allow.
fn run_in_300_mb(env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut sh = local::command("sh");
    sh.args([
        "-c",
        r#"ulimit -v 300000 && exec "$0" "$@""#,
        env!("CARGO_BIN_EXE_io-bound"),
    ]);
    sh.args(args).envs(env.iter().copied());
    sh.output().unwrap()
}

#[test]
fn a_thread_row_too_big_for_the_address_space_fails_ahead_naming_its_flag() {
    // 2,000 threads with their stacks and malloc arenas need 5 GiB: this aborted halfway
    // ("memory allocation of 3 bytes failed", status 134) before the check.
    for (args, flag) in [
        (
            &["--only", "threads", "--requests", "2000"][..],
            "--requests 2000",
        ),
        (&["--only", "pool", "--pool", "1000"], "--pool 1000"),
        (&["--requests", "2000"], "--requests 2000"),
    ] {
        let out = run_in_300_mb(&[], args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(err.contains(flag) && err.contains("ulimit -v"), "{err}");
        assert!(out.stdout.is_empty(), "it started the run: {err}");
    }
    // With one malloc arena for all threads only the stacks count: 50 threads fit, and
    // the run the check let through completes.
    let one_arena = [("MALLOC_ARENA_MAX", "1")];
    let args = [
        "--only",
        "threads",
        "--requests",
        "50",
        "--latency-ms",
        "50",
    ];
    let out = run_in_300_mb(&one_arena, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(summary_of(&out)["all_ok"], "true");
}
