//! The harness: the rounds in which the four ways take turns, the table, the checks and
//! the summary line. The ideas (the job and the four ways to run it) are in main.rs.

use std::fmt;
use std::time::Instant;

use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::time::ClockId;
use nix::unistd::Pid;

use crate::factorial::Factorial;
use crate::lanes::Lanes;
use crate::machine::{self, Share};
use crate::output::write_summary;

/// A way of running the jobs: its name, its workers, and the function that runs them.
pub type Method = (
    &'static str,
    usize,
    fn(&[u64], usize, &Lanes) -> anyhow::Result<Vec<u128>>,
);

/// What one way took (the median round) and what it found (in its last round).
pub struct Timing {
    pub name: &'static str,
    pub workers: usize,
    pub seconds: f64,
    /// The median round's CPU time of the thread that called the way: for the sequential
    /// way, the time its work really ran, without the time other programs took the core.
    pub cpu_seconds: f64,
    pub results: Vec<u128>,
}

/// What `--help` says after the flags: what the speedups are.
pub const SPEEDUP_HELP: &str = "Each way's time is its median round of wall-clock seconds. Its \
speedup is the sequential thread's own CPU time (its median round) over that wall time: on a \
quiet machine the usual ratio of wall times, about the number of cores; on a busy one or on \
one core (taskset -c 0) never above the cores the way really got.";

/// CPU seconds the calling thread has run so far.
pub fn thread_cpu_s() -> f64 {
    ClockId::CLOCK_THREAD_CPUTIME_ID
        .now()
        .map_or(f64::NAN, |t| std::time::Duration::from(t).as_secs_f64())
}

/// "1 core", "2 cores": a one-core machine (or `taskset -c 0`) is a case the demo is for.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

pub fn header(jobs: u64, size: u64, workers: usize, cores: usize, rounds: u32) {
    println!(
        "cpu-bound: {jobs} jobs, job x sums i*i for i below {size} + x; {} on {}\n  \
         each way runs {rounds} rounds, taking turns with the others; its time is the median \
         round\n",
        count(workers, "worker"),
        count(cores, "core"),
    );
}

/// Runs every method `rounds` times, taking turns, and starting each round with the next
/// method, so none is always first (cold) or always after a given one. Slow drift (other
/// programs' load, the clock) then falls on all of them alike, and the median discards a
/// round that a burst of load hit. One untimed job first, so the first timed round does
/// not pay for a cold start.
pub fn take_turns(
    methods: &[Method],
    lanes: &[Lanes],
    sizes: &[u64],
    rounds: u32,
) -> anyhow::Result<Vec<Timing>> {
    if let Some(&n) = sizes.first() {
        let untraced = Lanes::none(&crate::trace::Trace::off());
        std::hint::black_box((methods[0].2)(&[n], 1, &untraced)?);
    }
    let mut seconds = vec![Vec::new(); methods.len()];
    let mut cpu_seconds = vec![Vec::new(); methods.len()];
    let mut results = vec![Vec::new(); methods.len()];
    for round in 0..rounds as usize {
        for turn in 0..methods.len() {
            let m = (round + turn) % methods.len();
            let (_, workers, method) = methods[m];
            let (start, cpu) = (Instant::now(), thread_cpu_s());
            results[m] = method(sizes, workers, &lanes[m])?;
            seconds[m].push(start.elapsed().as_secs_f64());
            cpu_seconds[m].push(thread_cpu_s() - cpu);
        }
    }
    Ok(methods
        .iter()
        .zip(seconds.into_iter().zip(cpu_seconds))
        .zip(results)
        .map(|((&(name, workers, _), (s, cpu)), results)| Timing {
            name,
            workers,
            seconds: median(s),
            cpu_seconds: median(cpu),
            results,
        })
        .collect())
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let mid = xs.len() / 2;
    if xs.len() % 2 == 1 {
        xs[mid]
    } else {
        (xs[mid - 1] + xs[mid]) / 2.0
    }
}

/// What the sum must come to: n(n-1)(2n-1)/6.
pub fn closed_form(n: u64) -> u128 {
    let n = n as u128;
    n * n.saturating_sub(1) * (2 * n).saturating_sub(1) / 6
}

/// What the run proved besides the times.
pub struct Checks {
    pub results_equal: bool,
    pub children_left: u32,
}

pub fn check_and_print(timings: &[Timing], sizes: &[u64]) -> Checks {
    let expected: Vec<u128> = sizes.iter().map(|&n| closed_form(n)).collect();
    let base = timings[0].cpu_seconds;
    println!(
        "  {:<26} {:>7} {:>8} {:>8}  results",
        "method", "workers", "wall s", "speedup"
    );
    for (i, t) in timings.iter().enumerate() {
        let verdict = if t.results == expected {
            "identical, all correct"
        } else {
            "WRONG"
        };
        println!(
            "  {:<26} {:>7} {:>8.3} {:>7.2}x  {verdict}",
            t.name,
            t.workers,
            t.seconds,
            base / t.seconds.max(1e-9)
        );
        if i == 0 {
            println!(
                "  {:<26} {:>7} {base:>8.3}  (the base of every speedup)",
                "  its thread's own CPU time", ""
            );
        }
    }
    println!(
        "  wall s: the median round. speedup: the sequential thread's own CPU time ({base:.3} s)\n  \
         over the way's wall s; the plain ratio of wall times on a quiet machine, but other\n  \
         programs' share of a busy core is not work that more threads could save"
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let sequential = Share {
        run: "sequential",
        got: base / timings[0].seconds.max(1e-9),
        could: 1.0,
    };
    if let Some(note) = machine::note(cores, &[sequential]) {
        println!("  {note}");
    }
    if let (Some(first), Some(last)) = (expected.first(), expected.last()) {
        println!("  first job's sum {first}, last job's sum {last}");
    }
    let children_left = children_left();
    println!(
        "  every job checked against n(n-1)(2n-1)/6; child processes left after the run: \
         {children_left}\n  ideal_s = 0.000: the run waits for nothing on purpose; every \
         second of it is CPU work\n"
    );
    Checks {
        results_equal: timings.iter().all(|t| t.results == expected),
        children_left,
    }
}

/// Whether this process still has any child: 0 when every one has been reaped.
fn children_left() -> u32 {
    match waitpid(None::<Pid>, Some(WaitPidFlag::WNOHANG)) {
        Err(nix::errno::Errno::ECHILD) => 0,
        _ => 1,
    }
}

/// The closing line; `make bench`, `make compare` and the tests read it.
pub struct Summary {
    cores: usize,
    workers: usize,
    jobs: u64,
    seconds: [f64; 4],
    sequential_cpu_s: f64,
    checks: Checks,
    factorial: Factorial,
}

impl Summary {
    pub fn new(
        cores: usize,
        workers: usize,
        args: &crate::Args,
        timings: &[Timing],
        checks: Checks,
        factorial: Factorial,
    ) -> Summary {
        Summary {
            cores,
            workers,
            jobs: args.jobs,
            seconds: [0, 1, 2, 3].map(|i| timings[i].seconds),
            sequential_cpu_s: timings[0].cpu_seconds,
            checks,
            factorial,
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let [_, threads, processes, rayon] = self.seconds;
        let base = self.sequential_cpu_s;
        let secs = |s: f64| format!("{s:.3}");
        let ratio = |x: f64| format!("{x:.2}");
        let speedup = |s: f64| format!("{:.2}", base / s.max(1e-9));
        write_summary(
            f,
            &[
                ("cores", self.cores.to_string()),
                ("workers", self.workers.to_string()),
                ("jobs", self.jobs.to_string()),
                ("sequential_cpu_s", secs(base)),
                ("speedup_threads", speedup(threads)),
                ("speedup_processes", speedup(processes)),
                ("speedup_rayon", speedup(rayon)),
                ("results_equal", self.checks.results_equal.to_string()),
                ("children_left", self.checks.children_left.to_string()),
                ("factorial_digits", self.factorial.digits.to_string()),
                ("factorial_speedup", ratio(self.factorial.speedup)),
                ("amdahl_max", ratio(self.factorial.amdahl_max)),
                ("ideal_s", "0.000".to_string()),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::closed_form;
    use crate::{job, jobs_of};

    #[test]
    fn the_job_matches_the_closed_form() {
        for n in [0, 1, 2, 3, 10, 1000, 12_345] {
            assert_eq!(job(n), closed_form(n), "n = {n}");
        }
    }

    #[test]
    fn every_job_goes_to_exactly_one_worker() {
        for workers in 1..6 {
            let mut seen: Vec<usize> = (0..workers).flat_map(|k| jobs_of(k, workers, 17)).collect();
            seen.sort();
            assert_eq!(seen, (0..17).collect::<Vec<_>>());
        }
    }
}
