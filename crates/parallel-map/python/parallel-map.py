"""The Python side of parallel-map: the notes' joblib line with the standard library.

    Parallel(n_jobs=30)(delayed(func)(a, b) for b in range(100) if b % 5 > 2)

joblib is not in the standard library, so this file shows the nearest things that are:
concurrent.futures.ProcessPoolExecutor (joblib's default backend, loky, is a pool of
worker processes, and like it this one returns results in input order) and
ThreadPoolExecutor (joblib's backend="threading", which the GIL holds to one core for
CPU work). Then tiny items through the process pool: the cost of shipping each call to a
worker and its result back dwarfs the work, as it does with joblib.

    python3 crates/parallel-map/python/parallel-map.py
    python3 crates/parallel-map/python/parallel-map.py --n-jobs 4 --item-ms 50
"""

import argparse
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

A = 7
MASK = (1 << 64) - 1


def mix(x):
    """SplitMix64's finaliser, in 64-bit wrapping arithmetic (the same as the Rust side)."""
    z = (x + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def func(a, b, rounds):
    x = (a << 32) | b
    for _ in range(rounds):
        x = mix(x)
    return x


def item(job):
    """One call, with who ran it and when it finished (perf_counter is system-wide), then
    when it started and on which thread (for --trace)."""
    a, b, rounds = job
    started = time.perf_counter()
    result = func(a, b, rounds)
    return b, result, os.getpid(), time.perf_counter(), started, threading.get_ident()


def record(trace, group, noun, items, worker_of):
    """One group per map, one track per worker (numbered in the order each first shows
    up), one slice per call, on the track of the worker that ran it."""
    if not trace.on:
        return
    g = trace.group(group)
    tracks = {}
    by_finish = sorted(range(len(items)), key=lambda i: items[i][3])
    finished = {i: n for n, i in enumerate(by_finish, 1)}
    for i, r in enumerate(items):
        key = worker_of(r)
        if key not in tracks:
            tracks[key] = trace.track(g, noun if noun == "main thread" else f"{noun} {len(tracks)}")
        trace.slice(tracks[key], "func(a, b)", f"func(7, {r[0]}), finished #{finished[i]}", r[4], r[3])


def tiny(job):
    a, b, _ = job
    return b, a * b + 1, os.getpid(), 0.0


def ignore_ctrl_c():
    """In each worker process: Ctrl-C reaches the whole process group, but only the parent
    should act on it (it ends the pool on its way out), with no traceback from each worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def rounds_per_ms():
    rounds = 1000
    while True:
        # This thread's CPU time, not the wall clock: other programs' load must not
        # shrink the items (the Rust side does the same).
        start = time.thread_time()
        func(A, 0, rounds)
        took = time.thread_time() - start
        if took >= 0.02:
            return max(1, int(rounds / took / 1000))
        rounds *= 2


def main():
    # The cores this process may run on (1 under `taskset -c 0`), as the Rust side counts.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    parser = argparse.ArgumentParser(description="joblib's Parallel(n_jobs)(delayed(func)...) with the standard library")
    parser.add_argument("--n-jobs", type=int, default=30,
                        help="workers in the pool, as joblib's n_jobs (default 30); negative counts back "
                             "from the cores: -1 is every core, -2 all but one")
    parser.add_argument("--item-ms", type=int, default=20, help="CPU work per item, in ms (default 20)")
    parser.add_argument("--tiny-reps", type=int, default=20, help="how many times the tiny-item maps run (default 20)")
    parser.add_argument("--trace", metavar="FILE",
                        help="write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer)")
    args = parser.parse_args()
    if args.n_jobs == 0:
        parser.error("--n-jobs 0 cannot run anything; use a positive count, or -1 for every core (as in joblib)")
    if args.item_ms < 1 or args.tiny_reps < 1:
        parser.error("--item-ms and --tiny-reps must be positive")
    if args.n_jobs < 0:  # joblib's rule: cores + 1 + n_jobs, at least one
        args.n_jobs = max(cores + 1 + args.n_jobs, 1)

    rounds = rounds_per_ms() * args.item_ms
    jobs = [(A, b, rounds) for b in range(100) if b % 5 > 2]
    print(f"parallel-map.py: the joblib line with ProcessPoolExecutor(max_workers={args.n_jobs}) "
          f"on {cores} cores")
    print(f"  each item: about {args.item_ms} ms of CPU work ({rounds} rounds of a hash)\n")

    trace = Trace(on=bool(args.trace))
    start, cpu = time.perf_counter(), time.thread_time()
    sequential = [item(job) for job in jobs]
    sequential_s = time.perf_counter() - start
    # The base of the speedups, as on the Rust side: the CPU time the sequential map's
    # thread really ran. On a busy machine its wall time also counts the time other
    # programs held the core, and a pool of 30 wins a bigger share of a busy core than
    # one thread does: a ratio of wall times would call that a speedup, even under the GIL.
    sequential_cpu_s = time.thread_time() - cpu

    # Starting the worker processes is part of the cost, as it is for joblib.
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.n_jobs, initializer=ignore_ctrl_c) as pool:
        parallel = list(pool.map(item, jobs))
    parallel_s = time.perf_counter() - start

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.n_jobs) as pool:
        threaded = list(pool.map(item, jobs))
    threads_s = time.perf_counter() - start

    record(trace, "sequential map", "main thread", sequential, lambda r: 0)
    record(trace, f"process pool, n_jobs={args.n_jobs}", "pool process", parallel, lambda r: r[2])
    record(trace, f"thread pool, n_jobs={args.n_jobs} (one GIL)", "pool thread", threaded, lambda r: r[5])
    order_kept = all(x[0] < y[0] for x, y in zip(parallel, parallel[1:]))
    results_equal = ([r[:2] for r in parallel] == [r[:2] for r in sequential]
                     == [r[:2] for r in threaded])
    came_back = " ".join(str(r[0]) for r in parallel[:20])
    finished = " ".join(str(r[0]) for r in sorted(parallel, key=lambda r: r[3])[:20])
    print(f"  items came back as  b = {came_back} ...")
    print(f"  but finished as     b = {finished} ...")
    print(f"  all {len(parallel)} results in input order: {'yes' if order_kept else 'NO'}\n")
    by_worker = {}
    for b, _, pid, *_ in parallel:
        by_worker.setdefault(pid, []).append(b)
    print("  which worker process ran which items (b):")
    line = " "
    for pid, bs in sorted(by_worker.items()):
        entry = f" pid {pid}: {' '.join(map(str, bs))}"
        if len(line) + len(entry) > 80:
            print(line.rstrip(" |"))
            line = " "
        line += entry + " |"
    print(line.rstrip(" |"))
    print(f"  {len(parallel)} items ran in {len(by_worker)} worker processes\n")

    with ProcessPoolExecutor(max_workers=args.n_jobs, initializer=ignore_ctrl_c) as pool:
        list(pool.map(tiny, jobs))  # start the workers before timing
        start = time.perf_counter()
        for _ in range(args.tiny_reps):
            tiny_parallel = list(pool.map(tiny, jobs))
        tiny_parallel_s = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(args.tiny_reps):
        tiny_sequential = [tiny(job) for job in jobs]
    tiny_sequential_s = time.perf_counter() - start
    results_equal = results_equal and [r[:2] for r in tiny_parallel] == [r[:2] for r in tiny_sequential]

    reps = args.tiny_reps
    print(f"  {'map of the 40 items':<40} {'seconds':>10} {'per map':>12} {'speedup':>9}")
    for name, secs, times, base in [
            ("sequential: wall time", sequential_s, 1, None),
            ("  its thread's own CPU time", sequential_cpu_s, 1, "base"),
            (f"process pool of {args.n_jobs} (with starting it)", parallel_s, 1, sequential_cpu_s),
            (f"thread pool of {args.n_jobs} (one GIL)", threads_s, 1, sequential_cpu_s),
            (f"tiny items, sequential, {reps} times", tiny_sequential_s, reps, "base"),
            (f"tiny items, process pool, {reps} times", tiny_parallel_s, reps, tiny_sequential_s)]:
        per_map = secs / times
        per_map = f"{per_map * 1e3:.1f} ms" if per_map >= 1e-3 else f"{per_map * 1e6:.2f} us"
        speedup = f"{base / secs:>8.3f}x" if isinstance(base, float) else f"{base or '-':>9}"
        print(f"  {name:<40} {secs:>10.6f} {per_map:>12} {speedup}")
    print("  speedup of the pools: the sequential thread's own CPU time over the pool's wall\n"
          "  seconds (as on the Rust side); of the tiny items: a plain ratio of wall times")
    note = machine_note(cores, [("sequential", sequential_cpu_s / sequential_s, 1)])
    if note:
        print(f"  {note}")
    print("  ideal_s = 0.000: the run waits for nothing on purpose; every second of it is CPU work")

    if args.trace:
        trace.note("the tiny items' maps are not recorded")
        trace.write(args.trace)
        print(f"\ntrace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")
    print(f"\nsummary: n_jobs={args.n_jobs} items={len(parallel)} cores={cores} "
          f"sequential_s={sequential_s:.3f} parallel_s={parallel_s:.3f} "
          f"speedup={sequential_cpu_s / parallel_s:.2f} sequential_cpu_s={sequential_cpu_s:.3f} "
          f"threads_s={threads_s:.3f} speedup_threads={sequential_cpu_s / threads_s:.2f} "
          f"tiny_sequential_s={tiny_sequential_s:.3f} tiny_parallel_s={tiny_parallel_s:.3f} "
          f"tiny_speedup={tiny_sequential_s / tiny_parallel_s:.4f} threads_used={len(by_worker)} "
          f"order_kept={str(order_kept).lower()} results_equal={str(results_equal).lower()} "
          f"ideal_s=0.000")


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
