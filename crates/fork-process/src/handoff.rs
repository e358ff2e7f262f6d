//! Handing the same data to a thread and to a child process (note 004: sharing between
//! processes is slower than between threads). The thread is given a reference: the bytes
//! stay where they are, in the memory both share. The child has memory of its own, so the
//! bytes must travel: written into a pipe, copied by the kernel, read out into the child's
//! buffer (Python's multiprocessing does the same, after pickling them into bytes). Each
//! receiver then checks it has the data (a sum of one byte in every 4 KiB page, the same
//! small work for both) and answers with the sum: the difference is the hand-off.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use anyhow::{Context, anyhow};
use nix::unistd::{getpid, pipe};

use crate::children;

/// Each size is handed over this many times; the median counts.
const ROUNDS: usize = 9;

/// One size's figures: its bytes and the median round trip, in milliseconds, of handing
/// them to the thread and to the child and getting the sum back.
pub struct Handoff {
    pub bytes: usize,
    pub thread_ms: f64,
    pub pipe_ms: f64,
    pub sums_equal: bool,
}

/// What the receiver does with the data: adds one byte of every 4 KiB page (memory comes
/// in pages), a check that it has the data that costs the same wherever the data is.
fn sum_of_bytes(data: &[u8]) -> u64 {
    data.iter().step_by(4096).map(|&b| u64::from(b)).sum()
}

// ANCHOR: handoff
/// Hands buffers of 1 KiB, 64 KiB, 1 MiB and `largest_mib` MiB to a waiting thread (a
/// reference through a channel) and to a waiting child process (the bytes through a pipe).
pub fn to_a_thread_and_to_a_process(largest_mib: u64) -> anyhow::Result<Vec<Handoff>> {
    let mut sizes = vec![1 << 10, 64 << 10, 1 << 20, (largest_mib as usize) << 20];
    sizes.sort_unstable();
    sizes.dedup();
    let buffers: Vec<Vec<u8>> = sizes
        .iter()
        .map(|&n| (0..n).map(|i| i as u8).collect())
        .collect();
    // The child first, while this process has one thread: it waits for data on a pipe.
    let (child, mut to_child, mut from_child) = a_child_that_sums_what_it_reads()?;
    let figures = thread::scope(|scope| {
        let (to_thread, thread_gets) = mpsc::channel::<&[u8]>();
        let (thread_answers, answer) = mpsc::channel::<u64>();
        scope.spawn(move || {
            for data in thread_gets {
                // No copy: `data` points at the parent's own buffer.
                let _ = thread_answers.send(sum_of_bytes(data));
            }
        });
        let mut figures = Vec::new();
        for data in &buffers {
            let (thread_ms, by_thread) = median_ms(|| {
                to_thread
                    .send(data)
                    .map_err(|_| anyhow!("the thread is gone"))?;
                answer.recv().map_err(|_| anyhow!("the thread is gone"))
            })?;
            let (pipe_ms, by_child) = median_ms(|| {
                to_child.write_all(&(data.len() as u64).to_le_bytes())?;
                to_child.write_all(data)?; // every byte copied into the pipe, and out again
                let mut sum = [0u8; 8];
                from_child.read_exact(&mut sum)?;
                Ok(u64::from_le_bytes(sum))
            })?;
            let sums_equal = by_thread == sum_of_bytes(data) && by_child == by_thread;
            figures.push(Handoff {
                bytes: data.len(),
                thread_ms,
                pipe_ms,
                sums_equal,
            });
        }
        Ok::<_, anyhow::Error>(figures)
    });
    drop(to_child); // the child reads end-of-file and exits
    drop(from_child);
    children::reap(child)?;
    figures.context("handing data to the thread or the child failed")
}
// ANCHOR_END: handoff

/// Forks the receiving child: it reads a length and that many bytes, answers with their
/// sum, and exits 0 when the parent closes the pipe.
fn a_child_that_sums_what_it_reads() -> anyhow::Result<(nix::unistd::Pid, File, File)> {
    let (child_reads, parent_writes) = pipe().context("cannot create a pipe (see ulimit -n)")?;
    let write_end = parent_writes.as_raw_fd();
    let (child, from_child) = children::fork_with_pipe(getpid(), move |mut answers| {
        // SAFETY: the child's inherited copy of the parent's write end, closed once here:
        // while it is open, the child's own read would never see end-of-file.
        drop(unsafe { File::from_raw_fd(write_end) });
        let mut reads = File::from(child_reads);
        let mut buffer = Vec::new();
        let mut length = [0u8; 8];
        while reads.read_exact(&mut length).is_ok() {
            buffer.resize(u64::from_le_bytes(length) as usize, 0);
            reads
                .read_exact(&mut buffer)
                .map_err(|_| children::SEND_FAILED)?;
            let sum = sum_of_bytes(&buffer).to_le_bytes();
            answers.write_all(&sum).map_err(|_| children::SEND_FAILED)?;
        }
        Ok(())
    })?;
    Ok((child, File::from(parent_writes), from_child))
}

/// Runs `once` ROUNDS times: the median milliseconds, and what the last round returned.
fn median_ms(mut once: impl FnMut() -> anyhow::Result<u64>) -> anyhow::Result<(f64, u64)> {
    let mut times = Vec::with_capacity(ROUNDS);
    let mut last = 0;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        last = once()?;
        times.push(started.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    Ok((times[ROUNDS / 2], last))
}

/// The table: each size, the two hand-offs, and how many times the pipe took the thread's.
pub fn print(figures: &[Handoff]) {
    println!("handing data over and getting its byte sum back, median of {ROUNDS} each:");
    println!(
        "  {:>10}  {:>12}  {:>12}  {:>7}",
        "data", "thread ms", "pipe ms", "ratio"
    );
    for h in figures {
        println!(
            "  {:>10}  {:>12.3}  {:>12.3}  {:>6.1}x",
            size_name(h.bytes),
            h.thread_ms,
            h.pipe_ms,
            h.pipe_ms / h.thread_ms.max(1e-9)
        );
    }
    println!(
        "  thread: a reference to the parent's buffer (shared memory, no copy); pipe: the \
         bytes written\n  to a child process and read out of the pipe (a copy each way \
         through the kernel). Both then\n  add one byte of each 4 KiB page and send the sum \
         back. ratio: pipe ms over thread ms; at\n  small sizes waking the receiver is most \
         of both; the copy grows with the data\n"
    );
}

fn size_name(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{} MiB", b >> 20),
        b => format!("{} KiB", b >> 10),
    }
}
