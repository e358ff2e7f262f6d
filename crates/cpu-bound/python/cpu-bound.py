"""The Python side of cpu-bound: the same workload, sequential, on threads, in processes.

Job x sums i*i for every i below SIZE + x (the classic benchmark from the Python
concurrency tutorials). Threads share one GIL, so they are no faster than one thread;
multiprocessing.Pool runs one interpreter per process, each with its own GIL, and
uses the cores. Python has no rayon: concurrent.futures.ProcessPoolExecutor is the
nearest thing, and it is another face of the same process pool, so it is not repeated.
The factorial uses Python's own big integers (math.factorial), which are written in C.

    python3 crates/cpu-bound/python/cpu-bound.py --size 1000000
    python3 crates/cpu-bound/python/cpu-bound.py --size 5000000 --jobs 20 --workers 2
"""

import argparse
import math
import multiprocessing
import os
import signal
import sys
import threading
import time


def sum_of_squares(n):
    return sum(i * i for i in range(n))


def ignore_ctrl_c():
    """In each worker process: Ctrl-C reaches the whole process group, but only the parent
    should act on it (it ends the pool on its way out), with no traceback from each worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def closed_form(n):
    return n * (n - 1) * (2 * n - 1) // 6


def timed_job(n):
    """sum_of_squares(n), and when it ran: perf_counter is the system's monotonic clock, so
    the parent can place a pool process's times beside its own."""
    t0 = time.perf_counter()
    total = sum_of_squares(n)
    return total, t0, time.perf_counter(), os.getpid()


def sequential(sizes, workers, ran):
    results = []
    for j, n in enumerate(sizes):
        total, t0, t1, _ = timed_job(n)
        ran.append((0, j, t0, t1))
        results.append(total)
    return results


def on_threads(sizes, workers, ran):
    results = [None] * len(sizes)

    def worker(k):
        for j in range(k, len(sizes), workers):
            results[j], t0, t1, _ = timed_job(sizes[j])
            ran.append((k, j, t0, t1))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def in_processes(sizes, workers, ran):
    # Pool.map keeps the input order; the pool's processes are joined when the block ends.
    with multiprocessing.Pool(workers, initializer=ignore_ctrl_c) as pool:
        done = pool.map(timed_job, sizes)
    lanes = {}  # each pool process's pid, numbered in the order it first shows up
    for j, (_, t0, t1, pid) in enumerate(done):
        ran.append((lanes.setdefault(pid, len(lanes)), j, t0, t1))
    return [total for total, *_ in done]


def record(trace, way, noun, workers, sizes, ran):
    """One group per way, one track per worker, one slice per job on the lane that ran it."""
    if not trace.on:
        return
    group = trace.group(way)
    tracks = [trace.track(group, noun if noun == "main thread" else f"{noun} {k}")
              for k in range(workers)]
    for k, j, t0, t1 in ran:
        trace.slice(tracks[k], "job", f"job {j}: sum of i*i below {sizes[j]}", t0, t1)


def main():
    # The cores this process may run on (1 under `taskset -c 0`), as the Rust side counts.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    parser = argparse.ArgumentParser(description="One CPU-bound workload: sequential, threads, processes")
    parser.add_argument("--size", type=int, default=5_000_000,
                        help="the base size: job x sums i*i for i below SIZE + x (default 5000000)")
    parser.add_argument("--jobs", type=int, default=20, help="how many jobs (default 20)")
    parser.add_argument("--workers", type=int, default=cores, help="threads or processes (default: cores)")
    parser.add_argument("--factorial", type=int, default=20_000, help="n for the factorial example (0 skips it)")
    parser.add_argument("--trace", metavar="FILE",
                        help="write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer)")
    args = parser.parse_args()
    if args.size < 1 or args.jobs < 1 or args.workers < 1 or args.factorial < 0:
        parser.error("--size, --jobs and --workers must be positive, --factorial not negative")

    sizes = [args.size + x for x in range(args.jobs)]
    print(f"cpu-bound.py: {args.jobs} jobs, job x sums i*i for i below {args.size} + x; "
          f"{args.workers} workers on {cores} cores\n")
    expected = [closed_form(n) for n in sizes]
    trace = Trace(on=bool(args.trace))
    rows = []
    for name, noun, workers, method in [("sequential", "main thread", 1, sequential),
                                        ("threads (one GIL)", "thread", args.workers, on_threads),
                                        ("multiprocessing.Pool", "pool process", args.workers,
                                         in_processes)]:
        ran = []
        start, cpu = time.perf_counter(), time.thread_time()
        results = method(sizes, workers, ran)
        rows.append((name, workers, time.perf_counter() - start, results == expected,
                     time.thread_time() - cpu))
        record(trace, name, noun, workers, sizes, ran)

    # The base, as on the Rust side: the CPU time of the thread that ran the sequential
    # way (the work itself), not its wall time, which on a busy machine also counts the
    # time other programs held the core; more threads win a bigger share of a busy core,
    # and a ratio of wall times would call that a speedup, even under the GIL.
    base = rows[0][4]
    print(f"  {'method':<26} {'workers':>7} {'wall s':>8} {'speedup':>8}  results")
    for name, workers, secs, ok, _ in rows:
        verdict = "identical, all correct" if ok else "WRONG"
        print(f"  {name:<26} {workers:>7} {secs:>8.3f} {base / secs:>7.2f}x  {verdict}")
        if name == "sequential":
            label = "  its thread's own CPU time"
            print(f"  {label:<26} {'':>7} {base:>8.3f}  (the base of every speedup)")
    print(f"  speedup: the sequential thread's own CPU time ({base:.3f} s) over the method's wall s,\n"
          "  as on the Rust side; the plain ratio of wall times on a quiet machine")
    note = machine_note(cores, [("sequential", base / rows[0][2], 1)])
    if note:
        print(f"  {note}")
    print(f"  first job's sum {expected[0]}, last job's sum {expected[-1]}")
    children_left = len(multiprocessing.active_children())
    print(f"  every job checked against n(n-1)(2n-1)/6; child processes left: {children_left}\n")

    digits = 0
    if args.factorial > 0:
        start = time.perf_counter()
        value = math.factorial(args.factorial)
        # Converting a huge int to text is capped in Python 3.11+; lift the cap.
        if hasattr(sys, "set_int_max_str_digits"):
            sys.set_int_max_str_digits(0)
        text = str(value)
        secs = time.perf_counter() - start
        digits = len(text)
        by_log = math.floor(sum(math.log10(k) for k in range(2, args.factorial + 1))) + 1
        verdict = "agrees" if digits == by_log else "DISAGREES"
        print(f"{args.factorial}! = {text[:20]}... ({digits} digits; log10 says {by_log}: {verdict})")
        print(f"  math.factorial and str() on one thread: {secs:.3f} s (all of it serial: no\n"
              "  parallel part for Amdahl's law to speed up; the Rust side splits it)\n")

    if args.trace:
        trace.write(args.trace)
        print(f"trace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")
    secs = [r[2] for r in rows]
    results_equal = all(r[3] for r in rows)
    print("ideal_s = 0.000: the run waits for nothing on purpose; every second of it is CPU work")
    print(f"summary: cores={cores} workers={args.workers} jobs={args.jobs} "
          f"sequential_cpu_s={base:.3f} speedup_threads={base / secs[1]:.2f} "
          f"speedup_processes={base / secs[2]:.2f} "
          f"results_equal={str(results_equal).lower()} children_left={children_left} "
          f"factorial_digits={digits} ideal_s=0.000")


def machine_note(cores, shares):
    """One line when the speedups above read low because the machine was busy (a run
    kept fewer than 90% of the cores it had work for busy) or had one core. `shares`:
    (run, cores it kept busy, cores it had work for). It explains; it changes no figure."""
    if cores == 1:
        return ("note: this run had 1 core (taskset, or a one-core machine): threads and "
                "processes can only take turns on it, so no speedup passes about 1")
    run, got, could = min(shares, key=lambda s: s[1] / s[2])
    if got / could >= 0.9:
        return None
    try:
        with open("/proc/loadavg") as f:
            load = f", load average {float(f.read().split()[0]):.1f} on {cores} cores"
    except OSError:
        load = ""
    could = "1 core" if could == 1 else f"{could} cores"
    return (f"note: the machine was busy{load}: \"{run}\" kept {got:.2f} of the {could} it had "
            "work for busy, so its wall time ran long and speedups read low (the figures are as measured)")


# ---- the trace writer: the same in every twin (make test compares it with
# ---- scripts/template/python/); change it there, then copy it.
class Trace:
    """`--trace FILE`: the run as a Chrome Trace Event Format file, which Perfetto and
    VizTracer's vizviewer open, with the same groups (rows of the table), tracks (threads,
    tasks, processes, clients) and slice names as the Rust demo writes. Times are
    time.perf_counter() readings, written in microseconds from `start`. Trace(on=False)
    records nothing. Appending to a list is atomic in CPython, so threads may record."""

    def __init__(self, start=None, on=True):
        import time

        self.start = time.perf_counter() if start is None else start
        self.on = on
        self.groups, self.tracks, self.events, self.notes = [], [], [], []

    def group(self, name):
        self.groups.append(name)
        return len(self.groups)

    def track(self, group, name):
        # Track ids start at 1001, above any group id: a viewer takes a track whose id
        # equals its group's for the group's main thread.
        self.tracks.append((group, name))
        return (group, 1000 + len(self.tracks))

    def _us(self, t):
        return round(max(0.0, t - self.start) * 1e6, 3)

    def slice(self, track, kind, name, t0, t1):
        if self.on:
            at = self._us(t0)  # both edges rounded to the nanosecond, as written
            self.events.append({"ph": "X", "pid": track[0], "tid": track[1], "ts": at,
                                "dur": max(0.0, round(self._us(t1) - at, 3)), "cat": kind,
                                "name": name})

    def instant(self, track, name, t):
        if self.on:
            self.events.append({"ph": "i", "s": "t", "pid": track[0], "tid": track[1],
                                "ts": self._us(t), "name": name})

    def counter(self, group, name, t, value):
        if self.on:
            self.events.append({"ph": "C", "pid": group, "tid": 0, "ts": self._us(t),
                                "name": name, "args": {"value": value}})

    def note(self, text):
        if self.on:
            self.notes.append(text)

    def write(self, path):
        import json
        import os
        import sys

        names = []
        for pid, name in enumerate(self.groups, 1):
            names.append({"ph": "M", "name": "process_name", "pid": pid, "tid": 0,
                          "args": {"name": name}})
            names.append({"ph": "M", "name": "process_sort_index", "pid": pid, "tid": 0,
                          "args": {"sort_index": pid}})
        for tid, (pid, name) in enumerate(self.tracks, 1001):
            names.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                          "args": {"name": name}})
            names.append({"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": tid,
                          "args": {"sort_index": tid}})
        program = os.path.basename(sys.argv[0])
        try:
            with open(path, "w", encoding="utf-8") as out:
                json.dump({"displayTimeUnit": "ms",
                           "otherData": {"program": program, "notes": self.notes},
                           "traceEvents": names + self.events}, out)
        except OSError as error:  # one line, status 1, as the Rust side says it
            raise SystemExit(f"error: cannot write the trace to {path}: {error.strerror}; "
                             "check that its folder exists") from None
# ---- end of the trace writer


# ---- the command-line frame: the same in every twin (make test compares it with
# ---- scripts/template/python/); change it there, then copy it.
def run_as_a_command(main):
    """Runs main() and ends the way a shell expects a command to end. Ctrl-C: status 130,
    no traceback. A closed pipe (`twin | head`): the reader is done, status 0. Output that
    cannot be written (a full disk): one `error:` line, status 1. The same when a thread,
    or the tasks of an asyncio.TaskGroup, meet the closed pipe or the full disk."""
    import errno
    import os
    import sys
    import threading

    def outcome(error):
        """(status, why) for the errors this frame ends quietly on; None for the others."""
        if isinstance(error, BaseExceptionGroup):  # from a TaskGroup: judge what is inside
            inner = [outcome(e) for e in error.exceptions]
            if None in inner:
                return None
            return max(inner, key=lambda o: {130: 3, 1: 2, 0: 1}[o[0]])
        if isinstance(error, KeyboardInterrupt):
            return (130, "")
        if isinstance(error, BrokenPipeError):
            return (0, "")
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return (1, error.strerror)
        return None

    def end(status, why):
        if status == 1:
            print(f"error: cannot write the output ({why}); free some space or write elsewhere",
                  file=sys.stderr, flush=True)
        # What is still buffered for stdout must not fail again at exit: drop it.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError:
            pass
        return status

    default_hook = threading.excepthook

    def thread_hook(args):
        known = outcome(args.exc_value)
        if known is None:
            default_hook(args)
        else:
            os._exit(end(*known))

    threading.excepthook = thread_hook
    try:
        status = main()
        sys.stdout.flush()  # inside the try: a closed pipe or a full disk may show only here
    except (KeyboardInterrupt, OSError, BaseExceptionGroup) as error:
        known = outcome(error)
        if known is None:
            raise
        sys.exit(end(*known))
    sys.exit(status)
# ---- end of the frame


if __name__ == "__main__":
    run_as_a_command(main)
