//! asyncio's `create_subprocess_exec`, in Rust: tokio::process runs child processes as
//! tasks on ONE thread. Several children at once: their lines arrive interleaved, as each
//! child writes them, and the whole takes about as long as the slowest child, not the sum.
//! A child that hangs is killed at a timeout and reaped (or killed by `kill_on_drop` when
//! its handle is dropped): none is left. And the classic `communicate` lesson: a child
//! that writes more than the pipe holds blocks until someone reads; a parent that waits
//! for its exit before reading waits forever (seen here by a timeout). Reading while
//! waiting fixes it. The children are this same program, re-run in a child role.
//!
//!     cargo run --release -p subprocesses
//!     cargo run --release -p subprocesses -- --children 8 --lines 3 --every-ms 20
//!
//! What to look for: `total_s` near `slowest_s`, far below `sum_s`; `threads=1`;
//! `children_left=0`; `stuck_written` equal to `pipe_buffer`, and the fix reading it all.

mod child;
mod output;
mod report;
mod system;
mod trace;

use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};

use child::{SPAWN, command as child};
use report::{AtOnce, Hung, Piped, Summary, Tr};

/// Child processes from one thread: output as it arrives, timeouts, and the full pipe.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many children to run at once (child i writes a line every i x --every-ms).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=500))]
    children: u32,
    /// How many lines each child writes.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    lines: u32,
    /// Child 1's pause before each line, in ms; child i pauses i times as long.
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    every_ms: u64,
    /// How long to wait for a child before giving up on it, in ms.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(50..=60_000))]
    timeout_ms: u64,
    /// How much the flooding child writes to its stdout, in KiB (more than the pipe holds).
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    flood_kib: u64,
    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// The child's part, when this program runs as one (hidden flags).
    #[command(flatten)]
    child: child::Role,
}

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = Args::parse();
    // A failure at run time is one line that says what to do: `error: context: cause`.
    let result = match &args.child.role {
        Some(role) => child::run(role, &args),
        None => report::check(&args).and_then(|pipe| run(&args, pipe)),
    };
    if let Err(error) = result {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The demo, in the order it runs, every part on this one thread.
fn run(args: &Args, pipe: system::PipeSize) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime; check the process's limits (ulimit -u, -v)")?;
    let tr = Arc::new(Tr::new(args.trace.is_some(), args.children));
    let every = Duration::from_millis(args.every_ms);
    let limit = Duration::from_millis(args.timeout_ms);
    let summary = runtime.block_on(async {
        let sampler = system::sample_threads();
        report::at_once_header(args.children, args.lines, every);
        let at_once = run_at_once(args.children, args.lines, every, &tr).await?;
        report::at_once(&at_once);
        report::hung_header(limit);
        let killed = kill_at_timeout(limit, &tr).await?;
        let dropped = drop_kills(limit, &tr).await?;
        report::hung(&killed, &dropped);
        report::pipe_header(&pipe, args.flood_kib, limit);
        let stuck = wait_then_read(args.flood_kib, limit, &tr).await?;
        let fixed = read_while_waiting(args.flood_kib, limit * 20, &tr).await?;
        report::piped(&stuck, &fixed);
        let threads = sampler.most();
        let ideal = every * args.lines * args.children + limit * 3;
        let (hung, piped) = ([killed, dropped], [stuck, fixed]);
        anyhow::Ok(Summary {
            at_once,
            hung,
            pipe,
            piped,
            threads,
            ideal,
        })
    })?;
    if let Some(path) = &args.trace {
        tr.write(path)?;
    }
    println!("{summary}");
    Ok(())
}

// ANCHOR: at_once
/// N children at once, each a task on this one thread: every line is printed the moment
/// it arrives, from whichever child wrote it.
async fn run_at_once(n: u32, lines: u32, every: Duration, tr: &Arc<Tr>) -> anyhow::Result<AtOnce> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for id in 1..=n {
        let mut command = child("lines")?;
        command.args(["--id", &id.to_string(), "--lines", &lines.to_string()]);
        command.args(["--every-ms", &(every.as_millis() as u32 * id).to_string()]);
        let mut process = command.stdout(Stdio::piped()).spawn().context(SPAWN)?;
        let stdout = process.stdout.take().context("the child has no stdout")?;
        let (tx, tr) = (tx.clone(), tr.clone());
        tasks.spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                let _ = tx.send((id, line)); // as it arrives
            }
            let status = process.wait().await; // the pipe closed: it has ended, reap it
            tr.child_ran(id, start, Instant::now());
            (id, status.map(|s| s.success()), start.elapsed())
        });
    }
    drop(tx); // the channel ends when every child's task has sent its last line
    let mut arrivals = Vec::new();
    while let Some((id, line)) = rx.recv().await {
        println!("   {:>7.3} s  {line}", start.elapsed().as_secs_f64());
        tr.line(id, &line);
        arrivals.push(id);
    }
    let mut each = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (id, ok, took) = done.context("a reading task panicked")?;
        each.push((id, ok.context("cannot wait for a child")?, took));
    }
    Ok(AtOnce {
        arrivals,
        each,
        total: start.elapsed(),
    })
}
// ANCHOR_END: at_once

// ANCHOR: timeout
/// A child that never ends: wait for it up to `limit`, then kill it and wait again, which
/// reaps it (no zombie left in the process table).
async fn kill_at_timeout(limit: Duration, tr: &Tr) -> anyhow::Result<Hung> {
    let mut process = child("hang")?.spawn().context(SPAWN)?;
    let (pid, start) = (process.id().unwrap_or(0), Instant::now());
    let timed_out = timeout(limit, process.wait()).await.is_err();
    let killed_at = Instant::now();
    process.kill().await.context("cannot kill the hung child")?; // SIGKILL, then wait: reaped
    let status = process.wait().await.context("cannot reap the hung child")?;
    tr.hung("kill() at the timeout", start, killed_at);
    let gone_after = system::gone(pid).await;
    Ok(Hung {
        timed_out,
        status: report::how(status),
        gone_after,
    })
}

/// The same child, but we only drop its handle: `kill_on_drop(true)` kills it then, and
/// tokio reaps it in the background.
async fn drop_kills(limit: Duration, tr: &Tr) -> anyhow::Result<Hung> {
    let process = child("hang")?.spawn().context(SPAWN)?;
    let (pid, start) = (process.id().unwrap_or(0), Instant::now());
    let waited = timeout(limit, process.wait_with_output()).await; // owns the Child
    let timed_out = waited.is_err(); // the timed-out future is dropped, the Child in it
    tr.hung(
        "dropped at the timeout (kill_on_drop)",
        start,
        Instant::now(),
    );
    let gone_after = system::gone(pid).await;
    Ok(Hung {
        timed_out,
        status: "killed on drop".into(),
        gone_after,
    })
}
// ANCHOR_END: timeout

// ANCHOR: pipe
/// The mistake: wait for the child to exit, then read its output. It writes more than the
/// pipe holds, so it blocks in write() until someone reads, and we never do: a deadlock,
/// seen here by the timeout. Its stderr reports how much it had written.
async fn wait_then_read(kib: u64, limit: Duration, tr: &Tr) -> anyhow::Result<Piped> {
    let mut command = child("flood")?;
    command.args(["--flood-kib", &kib.to_string()]);
    let mut process = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context(SPAWN)?;
    let written = report::progress(process.stderr.take().context("the child has no stderr")?);
    report::started_writing(&written).await; // a child slow to start is not the lesson
    let start = Instant::now();
    let timed_out = timeout(limit, process.wait()).await.is_err(); // stdout not read yet
    let pid = process.id().unwrap_or(0);
    let (state, wchan) = system::kernel_view(pid);
    let bytes = written.load(std::sync::atomic::Ordering::Relaxed);
    let killed = process.kill().await; // SIGKILL, then wait: reaped
    killed.context("cannot kill the flooding child")?;
    tr.piped(false, start, Instant::now(), bytes);
    Ok(Piped {
        timed_out,
        bytes,
        state,
        wchan,
        took: start.elapsed(),
    })
}

/// The fix, asyncio's `communicate()`: read the output while waiting for the exit.
/// `wait_with_output` reads stdout and stderr concurrently, so the pipe never stays full.
async fn read_while_waiting(kib: u64, limit: Duration, tr: &Tr) -> anyhow::Result<Piped> {
    let mut command = child("flood")?;
    command.args(["--flood-kib", &kib.to_string()]);
    let process = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context(SPAWN)?;
    let start = Instant::now();
    let output = timeout(limit, process.wait_with_output()).await;
    let timed_out = output.is_err();
    let bytes = match output {
        Ok(out) => out.context("cannot read the child's output")?.stdout.len() as u64,
        Err(_) => 0,
    };
    tr.piped(true, start, Instant::now(), bytes);
    let took = start.elapsed();
    Ok(Piped {
        timed_out,
        bytes,
        took,
        ..Piped::default()
    })
}
// ANCHOR_END: pipe
