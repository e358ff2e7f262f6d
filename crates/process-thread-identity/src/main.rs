//! Who am I? A process has an id and owns one or more threads; each thread has a name and an
//! id of its own. This demo asks the operating system, not a counter the program keeps: the
//! process id, how many threads the kernel says the process has right now (Linux: the
//! entries of /proc/self/task; macOS: proc_pidinfo), and the current thread's name. Then it
//! starts named threads, which report their names, their kernel thread ids and the count
//! seen from inside; after they are joined, the count drops back.
//!
//! Run: `cargo run --release -p process-thread-identity`, or with more threads at once:
//! `cargo run --release -p process-thread-identity -- --threads 4`.
//!
//! Look for: the count before (1: Rust starts no helper threads), the count while the
//! workers live (1 + N, the same from main and from every worker), and after join (1 again).
//! On Linux the main thread's id equals the process id; every other thread gets its own.
//! Part two is the notes' word processor: one process, four named threads (keystrokes,
//! display, autosave, spelling) sharing one document; each says what it did and how much
//! of its life it spent waiting.
//! `--trace t.json` writes the run for Perfetto or vizviewer: a track per named thread with
//! its life as a slice, the OS's thread count as a counter, rising and falling, and the
//! word processor's four threads with their waits.

mod limits;
mod os;
mod output;
mod report;
mod trace;
mod traced;
mod word_processor;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

use os::{THREAD_COUNT_SOURCE, os_thread_count, os_thread_id, os_thread_name};
use report::Summary;
use traced::Lives;

/// Process id, the OS's own thread count and thread names, before, during and after
/// named threads run.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many named threads to start at once (all are alive when the count is taken)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    threads: u32,

    /// Part two: the word processor's typist pauses this many milliseconds before each key.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1000))]
    key_ms: u64,

    /// Part two: the word processor autosaves every this many milliseconds.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    autosave_ms: u64,

    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

/// Workers beyond this many still run and are counted by main, but stay quiet.
const SHOWN_WORKERS: u32 = 8;

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = Args::parse();
    // A failure at run time is one line that says what to do: `error: context: cause`.
    if let Err(error) = run(&args) {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn run(args: &Args) -> anyhow::Result<()> {
    let threads = args.threads;
    limits::check_room_for_threads(threads as usize, "--threads")?;
    let lives = Lives::new(args.trace.is_some(), threads);
    let (pid, before) = describe_this_process()?;
    lives.count("before", before);
    let during = start_named_threads(threads, before, &lives)?;
    let after = count_after_join(before, &lives)?;
    let (key, every) = (
        Duration::from_millis(args.key_ms),
        Duration::from_millis(args.autosave_ms),
    );
    report::word_processor_heading(key, every);
    let editor = word_processor::run(key, every, lives.trace())?;
    report::print_editor(&editor, after);
    report::print_ideal(key);
    if let Some(path) = &args.trace {
        lives.write(path, pid)?;
    }
    let summary = Summary {
        pid,
        before,
        during,
        after,
        started: threads,
        editor,
        key,
    };
    println!("{summary}");
    Ok(())
}

/// The three facts the notes print: process id, thread count, current thread's name.
fn describe_this_process() -> anyhow::Result<(u32, usize)> {
    let pid = std::process::id();
    let threads = os_thread_count()?;
    let me = thread::current();
    let name = me.name().unwrap_or("<unnamed>");
    println!("process id             {pid}");
    println!("threads (OS count)     {threads}   from {THREAD_COUNT_SOURCE}");
    println!(
        "current thread         {name:?}, OS thread id {}",
        os_thread_id()?
    );
    println!();
    Ok((pid, threads))
}

/// Starts `n` named threads and counts while every one of them is alive.
///
/// Two barriers make the counts agree: `alive` holds each worker until all `n` exist (main
/// needs no wait for that: `spawn` returns once the OS thread exists); nobody passes
/// `counted` until main and every worker have counted, so no worker exits too early.
fn start_named_threads(n: u32, before: usize, lives: &Lives) -> anyhow::Result<usize> {
    println!("starting {n} named thread(s) with std::thread::Builder::name ...");
    let parties = n as usize + 1;
    let alive = Arc::new(Barrier::new(parties));
    let counted = Arc::new(Barrier::new(parties));
    let mut workers = Vec::with_capacity(n as usize);
    for k in 1..=n {
        let (alive, counted) = (Arc::clone(&alive), Arc::clone(&counted));
        let spawned = thread::Builder::new()
            .name(format!("worker-{k}"))
            .stack_size(limits::STACK_BYTES)
            .spawn(move || {
                let born = Instant::now(); // sent back through join, for the trace
                alive.wait();
                // Only the shown workers count: thousands of workers each listing thousands
                // of /proc entries would cost seconds and add nothing.
                let seen = (k <= SHOWN_WORKERS).then(os_thread_count);
                if let Some(seen) = &seen {
                    report_from_inside(seen.as_ref().ok());
                }
                counted.wait();
                (seen, born, Instant::now())
            });
        // If a spawn fails, the workers already started wait forever at `alive`; returning
        // the error ends the process, and them with it, so nothing is left behind.
        let handle = spawned.with_context(|| {
            format!(
                "cannot start thread worker-{k} ({} started); lower --threads or raise {}",
                k - 1,
                limits::limits_to_raise()
            )
        })?;
        workers.push(handle);
        lives.spawned(k);
    }

    alive.wait();
    let during = os_thread_count();
    counted.wait();
    if let Ok(during) = &during {
        lives.count("while they live", *during);
    }

    let mut seen_inside = Vec::with_capacity(workers.len());
    for (k, w) in (1..).zip(workers) {
        let (seen, born, ended) = w
            .join()
            .map_err(|_| anyhow::anyhow!("a worker thread panicked; see the message above"))?;
        lives.joined(k, born, ended);
        if let Some(seen) = seen {
            seen_inside.push(seen?);
        }
    }
    let during = during?;
    if n > SHOWN_WORKERS {
        println!("  ... and {} more worker(s), quiet", n - SHOWN_WORKERS);
    }
    let agree = seen_inside.iter().all(|&c| c == during);
    println!(
        "main counts {during} threads while they live ({before} before + {n} started); \
         every worker that counted saw the same: {agree}"
    );
    Ok(during)
}

/// One line printed by a worker itself: its name, its kernel id, and the count it sees.
fn report_from_inside(seen: Option<&usize>) {
    let me = thread::current();
    let name = me.name().unwrap_or("<unnamed>");
    let tid = os_thread_id().map_or_else(|e| format!("? ({e})"), |t| t.to_string());
    let seen = seen.map_or_else(|| "?".to_string(), |c| c.to_string());
    let kernel_name = os_thread_name()
        .map(|c| format!(", the kernel calls it {c:?}"))
        .unwrap_or_default();
    println!("  [{name}] OS thread id {tid}, sees {seen} threads{kernel_name}");
}

/// The count after every worker was joined.
///
/// `join` returns once the worker has finished, but the kernel may drop its task entry a
/// moment later, so the count is re-read for up to a second until it settles. The wait, if
/// any, is printed: it is measured, not hidden.
fn count_after_join(before: usize, lives: &Lives) -> anyhow::Result<usize> {
    let joined = Instant::now();
    let mut after = os_thread_count()?;
    let mut rereads = 0;
    while after != before && joined.elapsed() < Duration::from_secs(1) {
        lives.level(after);
        thread::sleep(Duration::from_micros(200));
        after = os_thread_count()?;
        rereads += 1;
    }
    lives.count("after join", after);
    let note = if rereads > 0 && after == before {
        let ms = joined.elapsed().as_secs_f64() * 1e3;
        format!(" (the kernel took {ms:.1} ms after join to drop the exited threads)")
    } else {
        String::new()
    };
    println!("after join: {after} thread(s){note}");
    Ok(after)
}
