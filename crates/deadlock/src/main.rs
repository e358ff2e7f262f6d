//! Two threads take two locks in opposite order: each holds one and waits for the other,
//! forever. The demo lets that happen for real (std `Mutex`es, in a child process of its
//! own) and a watchdog sees it: both threads waiting past a deadline, who holds what, the
//! cycle, and the kernel's word that they sleep (state S, no CPU). It kills and reaps the
//! child, so nothing is left hung. Then the two fixes, timed: one lock order for everyone,
//! and `try_lock` with a back-off. Last, the async version on ONE thread: a task holds a
//! tokio `Mutex` across an `.await` on a task that needs the same lock; no OS thread is
//! blocked (the thread goes on running a heartbeat), and a timeout is what sees it.
//!
//!     cargo run --release -p deadlock
//!     cargo run --release -p deadlock -- --deadline-ms 300 --work-ms 20
//!
//! What to look for: `blocked=2 cycle=yes` and `children_left=0` for the opposite order,
//! `ordered_blocked=0`, the back-offs and the cost of try_lock, and `async_threads=1`
//! with the heartbeat still ticking while the async deadlock holds.

mod output;
mod report;
mod trace;
mod watchdog;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Barrier, Mutex, PoisonError, TryLockError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

use report::{AsyncRun, AsyncTrace as Tr, Summary};
use trace::Trace;
use watchdog::{Way, jitter, say};

/// Deadlock: two threads, two locks, opposite order; a watchdog, two fixes, and the async kind.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How long a thread may wait for a lock before the watchdog calls it stuck, in ms.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(50..=60_000))]
    deadline_ms: u64,
    /// How long each thread works holding its first lock before it takes the second, in ms.
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    work_ms: u64,
    /// How many times each thread takes both locks, in the runs that finish.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1_000))]
    rounds: u32,
    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Internal: run as the child process that holds the two threads, taking the locks this way.
    #[arg(long, hide = true, value_enum)]
    role: Option<Way>,
}

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = Args::parse();
    // A failure at run time is one line that says what to do: `error: context: cause`.
    let result = match args.role {
        Some(way) => two_threads_two_locks(way, args.rounds, Duration::from_millis(args.work_ms)),
        None => report::check(&args).and_then(|()| run(&args)),
    };
    if let Err(error) = result {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The demo, in the order it runs: the three ways in a watched child each, then async.
fn run(args: &Args) -> anyhow::Result<()> {
    let start = Instant::now();
    let trace = if args.trace.is_some() {
        Trace::new(start)
    } else {
        Trace::off()
    };
    let deadline = Duration::from_millis(args.deadline_ms);
    let (work, rounds) = (Duration::from_millis(args.work_ms), args.rounds);
    let mut ways = Vec::new();
    for way in [Way::Opposite, Way::OneOrder, Way::TryLock] {
        report::way_header(way, deadline, work, rounds);
        let watched = watchdog::watch(way, rounds, work, deadline, &trace)?;
        report::watched(&watched);
        ways.push(watched);
    }
    report::ways_table(&ways);
    report::async_header(deadline);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .context("cannot start the runtime; check the process's limits (ulimit -u, -v)")?;
    let mut runs = Vec::new();
    for (name, release_first) in [
        ("guard held across .await", false),
        ("guard dropped first", true),
    ] {
        let tr = Tr::new(&trace, name);
        let idea = one_task_waits_on_itself(deadline, release_first, &tr);
        runs.push(runtime.block_on(report::with_heartbeat(&tr, idea)));
    }
    let (fixed, hang) = (
        runs.pop().unwrap_or_default(),
        runs.pop().unwrap_or_default(),
    );
    report::async_table(&hang, &fixed);
    if let Some(path) = &args.trace {
        trace.write(path).with_context(|| {
            format!(
                "cannot write the trace to {}; check that its folder exists",
                path.display()
            )
        })?;
        println!(
            "trace written to {} (open it in ui.perfetto.dev or vizviewer)",
            path.display()
        );
    }
    println!(
        "{}",
        Summary {
            deadline,
            work,
            rounds,
            ways,
            hang,
            fixed
        }
    );
    Ok(())
}

// ANCHOR: pair
/// The child's part: two threads, locks A and B. Thread 1 takes A then B; thread 2 takes
/// B then A in the opposite way, A then B in the others. Each works `work` holding its
/// first lock, then takes the second. Every step is a line on stdout for the watchdog.
fn two_threads_two_locks(way: Way, rounds: u32, work: Duration) -> anyhow::Result<()> {
    watchdog::end_with_the_parent(); // stdin closes when the parent ends: so do we
    let (a, b) = (Arc::new(Mutex::new(0u64)), Arc::new(Mutex::new(0u64)));
    let both_started = Arc::new(Barrier::new(2));
    let mut threads = Vec::new();
    for me in [1u8, 2] {
        let (mut first, mut second) = (("A", a.clone()), ("B", b.clone()));
        if me == 2 && way != Way::OneOrder {
            std::mem::swap(&mut first, &mut second); // thread 2 reaches for B first
        }
        let both_started = both_started.clone();
        let worker = move || {
            both_started.wait(); // start together: the bad timing is then the likely one
            for _ in 0..rounds {
                take_both(me, way, &first, &second, work);
                say(me, "released", "both");
            }
            say(me, "done", "");
        };
        let spawned = thread::Builder::new()
            .name(format!("thread {me}"))
            .spawn(worker);
        threads.push(spawned.context("cannot start a thread; raise the thread limit (ulimit -u)")?);
    }
    for thread in threads {
        // In the opposite way this never returns: the watchdog kills this process.
        thread
            .join()
            .map_err(|_| anyhow::anyhow!("a locking thread panicked"))?;
    }
    Ok(())
}

type Named = (&'static str, Arc<Mutex<u64>>);

/// Takes `first`, works, then takes `second`: with `lock()`, which waits as long as it
/// takes, or (the try_lock way) with `try_lock()`, letting go of `first` and backing off
/// for a random, doubling pause whenever `second` is taken.
fn take_both(me: u8, way: Way, first: &Named, second: &Named, work: Duration) {
    let mut pause_up_to = work;
    loop {
        say(me, "wants", first.0);
        let mut held = first.1.lock().unwrap_or_else(PoisonError::into_inner);
        say(me, "took", first.0);
        thread::sleep(work); // the work that needs the first lock
        if way != Way::TryLock {
            say(me, "wants", second.0);
            let mut both = second.1.lock().unwrap_or_else(PoisonError::into_inner);
            say(me, "took", second.0);
            (*held, *both) = (*held + 1, *both + 1);
            return;
        }
        match second.1.try_lock() {
            Ok(mut both) => {
                say(me, "took", second.0);
                (*held, *both) = (*held + 1, *both + 1);
                return;
            }
            Err(TryLockError::WouldBlock) => {
                drop(held); // let go, so the other thread can finish
                let pause = jitter(pause_up_to);
                say(me, "backoff", &pause.as_micros().to_string());
                thread::sleep(pause);
                pause_up_to *= 2; // exponential back-off: the next pause may be longer
            }
            Err(TryLockError::Poisoned(_)) => return,
        }
    }
}
// ANCHOR_END: pair

// ANCHOR: async
/// The async deadlock: a task holds a tokio Mutex across an `.await` on a helper task
/// that needs the same lock. Neither can go on, yet no thread is blocked: the one thread
/// runs the other tasks (a heartbeat) all along. Only a timeout sees it. With
/// `release_first`, the guard is dropped before the `.await`, and both finish.
async fn one_task_waits_on_itself(
    deadline: Duration,
    release_first: bool,
    tr: &Tr<'_>,
) -> AsyncRun {
    let lock = Arc::new(tokio::sync::Mutex::new(0u32));
    let start = Instant::now();
    let outcome = tokio::time::timeout(deadline, async {
        let guard = lock.lock().await; // the task holds the lock
        let helper_lock = lock.clone();
        let helper = tokio::spawn(async move {
            *helper_lock.lock().await += 1; // the helper needs the same lock
            Instant::now()
        });
        if release_first {
            drop(guard); // the fix: let go of the lock before awaiting what needs it
        }
        helper.await // holding `guard`, this waits for a task that waits for `guard`
    })
    .await;
    let ended = Instant::now();
    let helper_ran = *lock.lock().await == 1; // after a timeout, the dropped guard frees it
    tr.ended(start, ended, outcome.is_err());
    AsyncRun {
        timed_out: outcome.is_err(),
        took: ended - start,
        helper_ran,
        ..AsyncRun::default()
    }
}
// ANCHOR_END: async
