//! Runs the built binary and its minimal program with small parameters and checks what
//! they claim. The claims about CPU threads are checked by structure (who held the lock
//! when), and by speedups only with wide margins, so the tests pass on a busy machine.

mod common;

use std::process::Command;

use common::{
    assert_one_error_line_on_a_full_disk, example, first_line_then_close, number, python_twin,
    reader_gone_from_the_start, summary,
};

const BIN: &str = env!("CARGO_BIN_EXE_gil");

/// Runs the demo and returns its stdout, checking that it succeeded.
fn run(args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("run the gil binary");
    assert!(
        out.status.success(),
        "gil {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

#[test]
fn with_the_gil_no_two_threads_run_bytecode_at_once() {
    // Short slices make many hand-overs: each one is a chance to catch an overlap.
    let out = run(&[
        "--threads",
        "3",
        "--work",
        "24",
        "--switch-us",
        "200",
        "--io-ops",
        "3",
        "--io-ms",
        "10",
    ]);
    let s = summary(&out);
    assert_eq!(s["gil_most_holders"], "1", "{out}");
    assert_eq!(s["gil_overlaps"], "0", "{out}");
    // Every thread took the GIL at least once, so the lock really was shared.
    assert!(number(&s, "gil_taken") >= 3.0, "{out}");
    assert_eq!(s["results_equal"], "true", "{out}");
    assert_eq!(s["threads"], "3");
    // CPU time over wall time: one core busy at most, plus a little for the hand-overs
    // (a busy machine only lowers it).
    assert!(number(&s, "busy_gil") < 1.3, "{out}");
    assert_eq!(s["native_most_running"], "3", "{out}");
}

#[test]
fn io_threads_that_release_the_gil_wait_together() {
    // Four 200 ms waits: 0.8 s on one thread, about 0.2 s on four threads that release
    // the GIL while they wait. Holding it across the wait lines them up again, and
    // sleeps are never shorter than asked, so that run takes at least 0.8 s.
    let out = run(&[
        "--threads",
        "4",
        "--work",
        "4",
        "--io-ops",
        "4",
        "--io-ms",
        "200",
    ]);
    let s = summary(&out);
    let one = number(&s, "io_1_s");
    let held = number(&s, "io_n_held_s");
    assert!(one >= 0.8, "{out}");
    // speedup_io is io_1_s over the released run's seconds: above 2, it took under half.
    assert!(
        number(&s, "speedup_io") > 2.0,
        "waits did not overlap: {out}"
    );
    assert!(held >= 0.8, "{out}");
    assert!(number(&s, "io_most_waiting") >= 2.0, "{out}");
    assert_eq!(s["ideal_s"], "1.200", "0.8 s on one thread, 0.2 s twice");
}

#[test]
fn output_has_both_tables_and_the_timelines() {
    let out = run(&[
        "--threads",
        "2",
        "--work",
        "8",
        "--io-ops",
        "2",
        "--io-ms",
        "5",
    ]);
    for text in [
        "CPU-bound work",
        "2 threads, no lock",
        "2 threads, emulated GIL",
        "who held the GIL when",
        "thread 1",
        "I/O-bound work",
        "GIL released in I/O",
        "GIL held in I/O",
        "native code, GIL off",
        "GIL released (",
    ] {
        assert!(out.contains(text), "missing {text:?} in:\n{out}");
    }
}

#[test]
fn bad_arguments_exit_2() {
    for bad in [["--threads", "0"], ["--work", "lots"], ["--io-ms", "0"]] {
        let out = Command::new(BIN)
            .args(bad)
            .output()
            .expect("run the gil binary");
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn native_code_runs_on_every_thread_at_once() {
    let out = run(&[
        "--threads",
        "2",
        "--work",
        "240",
        "--io-ops",
        "2",
        "--io-ms",
        "5",
    ]);
    let s = summary(&out);
    assert_eq!(s["results_equal"], "true", "{out}");
    // By structure, whatever the load: both threads were inside the native loop at the
    // same moment, while with the GIL never two held it.
    assert_eq!(s["native_most_running"], "2", "{out}");
    assert_eq!(s["gil_most_holders"], "1", "{out}");
    assert!(number(&s, "speedup_native") > 0.0, "{out}");
    // How far it scales is a speed, measured in `make bench` (crates/gil/bench.sh): two
    // timed runs on a busy machine meet different moments of its load, so a test that
    // compared them could fail for reasons that have nothing to do with the lock.
}

/// Pinned to one core, no CPU speedup can pass about 1: the speedups are against the
/// 1-thread run's CPU time, which more threads cannot beat on one core. A run that meets
/// the other tests' load at different moments can see one core run faster for a while,
/// so the claim must hold in one of three runs; a speedup counted wrong fails all three.
#[cfg(target_os = "linux")]
#[test]
fn on_one_core_every_cpu_speedup_is_about_1_never_more() {
    let mut tries = Vec::new();
    for _ in 0..3 {
        let Ok(out) = Command::new("taskset")
            .args(["-c", "0", BIN, "--threads", "4", "--work", "150"])
            .args(["--io-ops", "2", "--io-ms", "5"])
            .output()
        else {
            eprintln!("taskset not found: skipping the one-core check");
            return;
        };
        let out = String::from_utf8(out.stdout).unwrap();
        let s = summary(&out);
        assert_eq!(s["cores"], "1", "{out}");
        let keys = [
            "speedup_nogil",
            "speedup_gil",
            "speedup_native",
            "speedup_procs",
            "busy_gil",
        ];
        let figures: Vec<f64> = keys.iter().map(|k| number(&s, k)).collect();
        assert!(out.contains("note: this run had 1 core"), "{out}");
        if figures.iter().all(|&x| x <= 1.15) {
            return;
        }
        tries.push(figures);
    }
    panic!("on one core a speedup or cores-busy figure passed 1.15 in all three runs: {tries:?}");
}

/// Each process has its own GIL: N processes, each holding the lock of its own process,
/// scale where N threads under one GIL do not. By structure, whatever the load: the two
/// processes were inside their own GIL at the same moment (on one core too, where they
/// take turns by time slice), which one GIL never allows. By speed only where the machine
/// gave the run two cores, which the no-lock threads of the same run show (their speedup
/// 1.6 or more): there the processes must reach 1.25x and 0.25 above the GIL's threads, in
/// one of three runs. With the other core busy (`yes > /dev/null`) the no-lock threads
/// reach about 1.3 and the processes 1.05 to 1.2 (measured): no run shows two free cores,
/// and the test says it could not check the speed.
#[test]
fn processes_each_with_its_own_gil_scale_where_threads_under_one_do_not() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (mut tries, mut two_cores_seen) = (Vec::new(), false);
    for _ in 0..3 {
        let out = run(&[
            "--threads",
            "2",
            "--work",
            "200",
            "--io-ops",
            "2",
            "--io-ms",
            "5",
        ]);
        let s = summary(&out);
        assert_eq!(s["results_equal"], "true", "{out}");
        assert!(out.contains("2 processes, a GIL each"), "{out}");
        assert!(out.contains("processes: 2 ran bytecode at once"), "{out}");
        if cores < 2 {
            eprintln!("1 core: the processes' scaling is not checked here");
            return;
        }
        let nogil = number(&s, "speedup_nogil");
        let (procs, gil) = (number(&s, "speedup_procs"), number(&s, "speedup_gil"));
        if nogil >= 1.6 {
            two_cores_seen = true;
            if procs >= 1.25 && procs >= gil + 0.25 {
                return;
            }
        }
        tries.push((nogil, procs, gil));
    }
    if !two_cores_seen {
        eprintln!("no run got two cores (no-lock speedups {tries:?}): the speed is not checked");
        return;
    }
    panic!(
        "where the no-lock threads scaled, 2 processes did not (no lock, procs, GIL): {tries:?}"
    );
}

#[test]
fn the_minimal_program_never_lets_two_threads_count_under_the_lock() {
    let out = Command::new(example("gilcountdown"))
        .arg("300000000")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    let most = |label: &str| -> String {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no {label:?} line:\n{stdout}"));
        line.split("at most ").nth(1).unwrap()[..1].to_string()
    };
    assert_eq!(most("1 thread "), "1", "{stdout}");
    // Two threads counting 150 million steps each, in slices, overlap (even on one
    // core, where they take turns by time slice); under the lock, never.
    assert_eq!(most("2 threads, no lock"), "2", "{stdout}");
    assert_eq!(most("2 threads, one global lock"), "1", "{stdout}");
}

#[test]
fn a_closed_pipe_ends_it_quietly() {
    // After the first line come the CPU runs: output is left to write.
    let mut cmd = Command::new(BIN);
    cmd.args([
        "--threads",
        "2",
        "--work",
        "40",
        "--io-ops",
        "2",
        "--io-ms",
        "5",
    ]);
    let (line, status, stderr) = first_line_then_close(cmd);
    assert!(line.starts_with("gil: 2 threads"), "{line}");
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "");
    let mut demo = Command::new(BIN);
    demo.args(["--work", "1", "--io-ops", "2", "--io-ms", "5"]);
    let mut minimal = Command::new(example("gilcountdown"));
    minimal.arg("300000");
    for cmd in [demo, minimal] {
        let (status, stderr) = reader_gone_from_the_start(cmd);
        assert!(status.success(), "{status}: {stderr}");
        assert_eq!(stderr, "");
    }
}

/// A full disk (stdout on /dev/full): one `error:` line and status 1 from the demo, the
/// minimal program and the twin, never a panic or an exit 0 that loses the output.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_one_error_line() {
    let mut demo = Command::new(BIN);
    demo.args([
        "--threads",
        "2",
        "--work",
        "1",
        "--io-ops",
        "2",
        "--io-ms",
        "5",
    ]);
    assert_one_error_line_on_a_full_disk(demo);
    let mut minimal = Command::new(example("gilcountdown"));
    minimal.arg("300000");
    assert_one_error_line_on_a_full_disk(minimal);
    if let Some(mut twin) = python_twin() {
        twin.args([
            "--threads",
            "2",
            "--work",
            "0.01",
            "--io-ops",
            "2",
            "--io-ms",
            "5",
        ]);
        twin.args(["--native-mb", "4"]);
        assert_one_error_line_on_a_full_disk(twin);
    }
}
