//! Runs the built binary with small parameters and checks what the demo claims: the
//! filter keeps 40 of 100 inputs, the pool returns them in input order with the same
//! results as the sequential map, the work is spread over the pool's threads, n_jobs
//! reads as in joblib, and one core gives no speedup. Speed on many cores is not
//! asserted (tests share a busy machine); `make bench` measures it.

mod common;
mod local;

use std::process::Command;

use common::{
    assert_one_error_line_on_a_full_disk, example, first_line_then_close, python_twin, summary,
};

const BIN: &str = env!("CARGO_BIN_EXE_parallel-map");

fn run(args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("run parallel-map");
    assert!(
        out.status.success(),
        "parallel-map {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

#[test]
fn the_pool_keeps_order_and_results_and_uses_several_threads() {
    let out = run(&["--n-jobs", "8", "--item-ms", "10", "--tiny-reps", "20"]);
    assert_eq!(
        summary(&out)["items"],
        "40",
        "b % 5 > 2 keeps 40 of 100: {out}"
    );
    assert_eq!(summary(&out)["order_kept"], "true", "{out}");
    assert_eq!(summary(&out)["results_equal"], "true", "{out}");
    assert!(
        out.contains("items came back as  b = 3 4 8 9 13 14 18 19 23 24 "),
        "{out}"
    );
    // Every one of the 8 pool threads answered a broadcast.
    assert_eq!(summary(&out)["pool_threads"], "8", "{out}");
    // 40 items of 10 ms: the other threads wake and steal work long before one thread
    // could finish all 400 ms of it alone, even on a busy machine.
    let used: usize = summary(&out)["threads_used"].parse().expect("a count");
    assert!((2..=8).contains(&used), "{out}");
}

#[test]
fn one_thread_pool_still_keeps_order() {
    let out = run(&["--n-jobs", "1", "--item-ms", "1", "--tiny-reps", "5"]);
    assert_eq!(summary(&out)["order_kept"], "true", "{out}");
    assert_eq!(summary(&out)["results_equal"], "true", "{out}");
    assert_eq!(summary(&out)["threads_used"], "1", "{out}");
    assert_eq!(summary(&out)["ideal_s"], "0.000");
}

#[test]
fn negative_n_jobs_counts_back_from_the_cores_as_in_joblib() {
    let out = run(&["--n-jobs", "1", "--item-ms", "1", "--tiny-reps", "1"]);
    let cores: i64 = summary(&out)["cores"].parse().unwrap();
    for (n_jobs, threads) in [(-1, cores), (-2, (cores - 1).max(1)), (-1000, 1)] {
        let arg = n_jobs.to_string();
        let out = run(&["--n-jobs", &arg, "--item-ms", "1", "--tiny-reps", "1"]);
        assert_eq!(
            summary(&out)["n_jobs"],
            threads.to_string(),
            "--n-jobs {n_jobs}: {out}"
        );
        assert_eq!(summary(&out)["pool_threads"], threads.to_string(), "{out}");
        assert!(out.contains(&format!("Parallel(n_jobs={n_jobs})")), "{out}");
    }
    let help = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("-1 is every core"), "{help}");
}

/// Pinned to one core (with `taskset`), the pool's threads can only take turns: it may
/// not beat the sequential map by more than noise. A burst of load can still land on one
/// map's runs, so a run gets three tries; a real difference fails all three.
#[test]
fn on_one_core_the_pool_is_no_faster() {
    let Some(pinned) = local::on_one_core(BIN) else {
        eprintln!("skipped: no `taskset` here to pin the demo to one core");
        return;
    };
    let mut tries = Vec::new();
    for _ in 0..3 {
        let mut command = Command::new(&pinned[0]);
        command.args(&pinned[1..]);
        command.args(["--n-jobs", "4", "--item-ms", "5", "--tiny-reps", "1"]);
        let out = command.output().expect("run parallel-map under taskset");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let s = summary(&stdout);
        assert_eq!(s["cores"], "1", "the demo saw more than one core: {s:?}");
        // The one line that says why no speedup passes about 1.
        assert!(stdout.contains("note: this run had 1 core"), "{stdout}");
        assert_eq!(s["results_equal"], "true");
        let speedup: f64 = s["speedup"].parse().unwrap();
        if speedup <= 1.15 {
            return;
        }
        tries.push(speedup);
    }
    panic!("on one core the pool was more than 1.15x faster than sequential: {tries:?}");
}

#[test]
fn bad_arguments_exit_2() {
    for bad in [
        &["--n-jobs", "0"][..],
        &["--n-jobs", "5000"],
        &["--item-ms", "0"],
        &["--tiny-reps", "x"],
    ] {
        let out = Command::new(BIN)
            .args(bad)
            .output()
            .expect("run parallel-map");
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(out.stdout.is_empty());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(bad[0]),
            "{bad:?}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_quietly() {
    // The header is the first line; the tables and the summary still have to be written.
    let mut command = Command::new(BIN);
    command.args(["--n-jobs", "4", "--item-ms", "2", "--tiny-reps", "5"]);
    let (first, status, stderr) = first_line_then_close(command);
    assert!(first.starts_with("parallel-map: "), "{first}");
    assert_eq!(stderr, "", "stderr after the reader closed the pipe");
    assert!(
        status.success(),
        "exit status after the reader closed the pipe: {status}"
    );
}

/// A full disk (stdout on /dev/full): one `error:` line and status 1 from the demo, the
/// minimal program and the twin, never a panic or an exit 0 that loses the output.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    let small = ["--n-jobs", "2", "--item-ms", "1", "--tiny-reps", "1"];
    let mut demo = Command::new(BIN);
    demo.args(small);
    assert_one_error_line_on_a_full_disk(demo);
    assert_one_error_line_on_a_full_disk(Command::new(example("joblibmap")));
    if let Some(mut twin) = python_twin() {
        twin.args(small);
        assert_one_error_line_on_a_full_disk(twin);
    }
}

/// A limit the workers cannot fit in (`ulimit -v`: each thread's stack is address space)
/// ends the run with one `error:` line that names the flag to lower and the limit, status 1,
/// not an abort.
#[cfg(target_os = "linux")]
#[test]
fn a_memory_limit_too_small_for_the_threads_gives_one_error_line() {
    let out = Command::new("sh")
        .args(["-c", r#"ulimit -v 300000; exec "$0" "$@""#, BIN])
        .args(["--n-jobs", "1024", "--item-ms", "1", "--tiny-reps", "1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(
        lines[0].contains("--n-jobs") && lines[0].contains("ulimit -v"),
        "{stderr}"
    );
}

/// The check counts what the threads map, no more: a limit they fit in is not refused.
#[cfg(target_os = "linux")]
#[test]
fn a_memory_limit_the_threads_fit_in_is_not_refused() {
    let out = Command::new("sh")
        .args(["-c", r#"ulimit -v 600000; exec "$0" "$@""#, BIN])
        .args(["--n-jobs", "4", "--item-ms", "1", "--tiny-reps", "5"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr, "");
}
