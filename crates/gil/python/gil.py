"""The Python side of gil: the real GIL of CPython, with threads doing CPU work and I/O.

The Rust demo builds a GIL to show its cost; CPython has one already. The same CPU work
(a wrapping sum of a 64-bit hash of each number, so the result matches the Rust one)
runs on one thread, on N threads (which must take turns holding the GIL), and on N
processes (each has its own interpreter and its own GIL: the nearest thing to "no
lock"), and a C extension's loop (hashlib) runs on N threads with the GIL released, as
NumPy's loops do. Then I/O operations run on N threads: time.sleep releases the GIL, as
every blocking call does, so the waits overlap. For contrast, N threads that keep a lock
held across the wait (a stand-in for an extension that forgets to release the GIL).

    python3 crates/gil/python/gil.py
    python3 crates/gil/python/gil.py --threads 4 --work 1 --io-ms 20
"""

import argparse
import hashlib
import multiprocessing
import os
import sys
import threading
import time

MASK = (1 << 64) - 1
REQUEST_WORK = 2_000


def mix(x):
    """SplitMix64's finaliser, in 64-bit wrapping arithmetic."""
    z = (x + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def bytecode(start, end):
    total = 0
    for i in range(start, end):
        total = (total + mix(i)) & MASK
    return total


def request_steps(op):
    """The bytecode that builds I/O request `op`: its own stretch of REQUEST_WORK steps."""
    return op * REQUEST_WORK, (op + 1) * REQUEST_WORK


def reply_steps(request):
    """The bytecode that handles the reply to `request`: REQUEST_WORK steps starting at the
    request's low 32 bits, so the handling depends on what was asked, as in the Rust demo."""
    start = request & 0xFFFF_FFFF
    return start, start + REQUEST_WORK


def share(total, n, k):
    return total * k // n, total * (k + 1) // n


CHUNK = 64  # loop steps between two clock readings: tens of microseconds of bytecode
TURN_GAP = 0.0005  # a longer silence between two readings: the thread had lost the GIL


def timed_bytecode(start, end, stamps):
    """bytecode(start, end), with a clock reading before it and after every CHUNK steps.
    A thread reads the clock only while it runs bytecode, so only while it holds the GIL:
    readings close together are one turn holding it, a gap is another thread's turn."""
    total = 0
    stamps.append(time.perf_counter())
    for at in range(start, end, CHUNK):
        total = (total + bytecode(at, min(at + CHUNK, end))) & MASK
        stamps.append(time.perf_counter())
    return total


def turns(stamps):
    """The stretches of readings with no gap longer than TURN_GAP: (from, to) of each."""
    out = []
    if not stamps:
        return out
    first = last = stamps[0]
    for t in stamps[1:]:
        if t - last > TURN_GAP:
            if last > first:
                out.append((first, last))
            first = t
        last = t
    if last > first:
        out.append((first, last))
    return out


def record_turns(trace, group, per_worker, kind, label, who="worker"):
    """One track per worker, one slice per turn its clock readings show."""
    if not trace.on:
        return
    g = trace.group(group)
    for k, stamps in enumerate(per_worker):
        track = trace.track(g, f"{who}-{k}")
        for i, (t0, t1) in enumerate(turns(stamps), 1):
            trace.slice(track, kind, label(k, i), t0, t1)


def cpu_threads(iterations, n, trace, group):
    """N threads share the work; returns (seconds, result, CPU seconds the process used)."""
    results = [0] * n
    stamps = [[] for _ in range(n)]

    def worker(k):
        results[k] = timed_bytecode(*share(iterations, n, k), stamps[k])

    cpu_before = time.process_time()
    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,), name=f"worker-{k}") for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    record_turns(trace, group, stamps, "holds the GIL",
                 lambda k, i: f"worker-{k} holds the GIL, turn {i}")
    return elapsed, sum(results) & MASK, time.process_time() - cpu_before


def _process_share(job):
    iterations, n, k = job
    stamps = []
    # perf_counter is the system's monotonic clock: the parent can place these readings.
    return timed_bytecode(*share(iterations, n, k), stamps), stamps


def cpu_processes(iterations, n, trace):
    start = time.perf_counter()
    with multiprocessing.Pool(n) as pool:
        parts = pool.map(_process_share, [(iterations, n, k) for k in range(n)])
    elapsed = time.perf_counter() - start
    record_turns(trace, f"CPU: {n} processes, a GIL each", [s for _, s in parts],
                 "runs bytecode, its own GIL",
                 lambda k, i: f"process-{k} runs bytecode under its own GIL, stretch {i}", "process")
    return elapsed, sum(r for r, _ in parts) & MASK


NATIVE_CHUNK = bytes(range(256)) * 16384  # 4 MiB for each call into C


def native_threads(megabytes, n, trace, group):
    """A C extension's loop on N threads: hashlib hashes data of more than 2047 bytes with
    the GIL released, as NumPy runs its array loops. Returns (seconds, CPU seconds)."""
    calls = max(1, megabytes // 4)
    spans = [[] for _ in range(n)]

    def worker(k):
        for _ in range(*share(calls, n, k)):
            t0 = time.perf_counter()
            hashlib.sha256(NATIVE_CHUNK).digest()  # the GIL is off during the hashing
            spans[k].append((t0, time.perf_counter()))

    cpu_before = time.process_time()
    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_before
    if trace.on:
        g = trace.group(group)
        for k, calls_of_k in enumerate(spans):
            track = trace.track(g, f"worker-{k}")
            for i, (t0, t1) in enumerate(calls_of_k, 1):
                trace.slice(track, "native code, GIL off", f"worker-{k}: sha256 call {i}, GIL off", t0, t1)
    return elapsed, cpu


def io_threads(ops, n, wait, hold_a_lock, trace, group):
    """Each operation: a little bytecode, a wait, a little more bytecode."""
    held_across_wait = threading.Lock()
    results = [0] * n
    waits = [[] for _ in range(n)]

    def worker(k):
        total = 0
        for op in range(*share(ops, n, k)):
            request = bytecode(*request_steps(op))  # build the request
            if hold_a_lock:
                with held_across_wait:
                    t0 = time.perf_counter()
                    time.sleep(wait)
                    waits[k].append((t0, time.perf_counter()))
            else:
                t0 = time.perf_counter()
                time.sleep(wait)  # releases the GIL while it waits
                waits[k].append((t0, time.perf_counter()))
            total = (total + bytecode(*reply_steps(request))) & MASK  # handle what came back
        results[k] = total

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if trace.on:
        g = trace.group(group)
        kind = "waits, holding a lock" if hold_a_lock else "waits, GIL released"
        for k, spans in enumerate(waits):
            track = trace.track(g, f"worker-{k}")
            for i, (t0, t1) in enumerate(spans, 1):
                what = "a lock held (everyone waits)" if hold_a_lock else "GIL released"
                trace.slice(track, kind, f"worker-{k}: I/O wait {i}, {what}", t0, t1)
    return elapsed, sum(results) & MASK


def main():
    # The cores this process may run on (taskset narrows them), else all of them.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    parser = argparse.ArgumentParser(description="CPython's GIL: CPU threads vs I/O threads")
    parser.add_argument("--threads", type=int, default=max(cores, 2),
                        help="threads (and processes) for the N-way runs (default: cores, at least 2)")
    parser.add_argument("--work", type=float, default=1.0,
                        help="total CPU work, in millions of loop iterations (default 1)")
    parser.add_argument("--native-mb", type=int, default=256,
                        help="data hashed by the C-extension row, in MiB (default 256)")
    parser.add_argument("--io-ms", type=int, default=50, help="how long one I/O operation waits, in ms")
    parser.add_argument("--io-ops", type=int, default=8, help="total number of I/O operations")
    parser.add_argument("--trace", metavar="FILE",
                        help="write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer)")
    args = parser.parse_args()
    if min(args.threads, args.io_ms, args.io_ops, args.native_mb) < 1 or args.work <= 0:
        parser.error("--threads, --work, --native-mb, --io-ms and --io-ops must be positive")

    n = args.threads
    iterations = round(args.work * 1e6)
    wait = args.io_ms / 1000
    gil_enabled = getattr(sys, "_is_gil_enabled", lambda: True)()
    trace = Trace(on=bool(args.trace))
    print(f"gil.py: {n} threads on {cores} cores; CPU work {args.work} M iterations, "
          f"switch interval {sys.getswitchinterval() * 1e6:.0f} us; "
          f"I/O {args.io_ops} operations of {args.io_ms} ms; GIL enabled: {gil_enabled}\n")

    cpu_1, result_1, cpu_used_1 = cpu_threads(iterations, 1, trace, "CPU: 1 thread")
    cpu_gil, result_gil, cpu_used = cpu_threads(iterations, n, trace, f"CPU: {n} threads, CPython's GIL")
    cpu_proc, result_proc = cpu_processes(iterations, n, trace)
    # Speedups against the 1-thread run's CPU time, not its wall time: a busy machine
    # stretches wall times and gives N threads N shares of a contended core.
    print("CPU-bound work, the same total shared out")
    print(f"  {'run':<38} {'seconds':>8} {'speedup':>8}  result")
    print(f"  {'1 thread':<38} {cpu_1:>8.3f} {cpu_used_1 / cpu_1:>7.2f}x  {result_1:#018x}")
    rows = [(f"{n} threads (one GIL)", cpu_gil, result_gil),
            (f"{n} processes, a GIL each", cpu_proc, result_proc)]
    for name, secs, result in rows:
        same = "same" if result == result_1 else "DIFFERENT"
        print(f"  {name:<38} {secs:>8.3f} {cpu_used_1 / secs:>7.2f}x  {same}")
    print(f"  speedup: the 1-thread run's {cpu_used_1:.3f} s of CPU time over each run's seconds")
    print(f"  busy: the {n} threads used {cpu_used:.3f} s of CPU in {cpu_gil:.3f} s, so they kept "
          f"{cpu_used / cpu_gil:.2f} cores busy on average (the summary's busy_gil)")
    note = machine_note(cores, [("1 thread", cpu_used_1 / cpu_1, 1)])
    if note:
        print(f"  {note}")
    print()

    native_1, native_cpu_1 = native_threads(args.native_mb, 1, trace, "CPU: 1 thread, native code, GIL off")
    native_n, native_cpu_n = native_threads(args.native_mb, n, trace,
                                            f"CPU: {n} threads, native code, GIL off")
    speedup_native = native_cpu_1 / native_n
    print(f"C extension: hashlib.sha256 over {args.native_mb} MiB, GIL released while it hashes")
    print(f"  {'run':<38} {'seconds':>8} {'speedup':>8}  busy")
    print(f"  {'1 thread':<38} {native_1:>8.3f} {native_cpu_1 / native_1:>7.2f}x  "
          f"{native_cpu_1 / native_1:.2f}")
    print(f"  {f'{n} threads, native code, GIL off':<38} {native_n:>8.3f} {speedup_native:>7.2f}x  "
          f"{native_cpu_n / native_n:.2f}\n")

    io_1, io_result_1 = io_threads(args.io_ops, 1, wait, False, trace, "I/O: 1 thread")
    io_n, io_result_n = io_threads(args.io_ops, n, wait, False, trace,
                                   f"I/O: {n} threads, GIL released in I/O")
    io_held, io_result_held = io_threads(args.io_ops, n, wait, True, trace,
                                         f"I/O: {n} threads, a lock held in I/O")
    print("I/O-bound work, the same operations shared out")
    print(f"  {'run':<38} {'seconds':>8} {'speedup':>8}")
    for name, secs in [("1 thread", io_1), (f"{n} threads, GIL released in sleep", io_n),
                       (f"{n} threads, a lock held across sleep", io_held)]:
        print(f"  {name:<38} {secs:>8.3f} {io_1 / secs:>7.2f}x")

    results_equal = result_gil == result_1 == result_proc and io_result_n == io_result_1 == io_result_held
    if args.trace:
        trace.write(args.trace)
        print(f"\ntrace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")
    per_thread = -(-args.io_ops // n)
    ideal = wait * (args.io_ops + 2 * per_thread)
    print(f"\nideal_s = {ideal:.3f} s: the deliberate waits alone, the I/O sleeps: {args.io_ops} x "
          f"{args.io_ms} ms on one thread, then {per_thread} x {args.io_ms} ms in each N-thread run "
          f"(CPU work has none)")
    print(f"\nsummary: threads={n} cores={cores} speedup_gil={cpu_used_1 / cpu_gil:.2f} "
          f"speedup_procs={cpu_used_1 / cpu_proc:.2f} speedup_native={speedup_native:.2f} "
          f"speedup_io={io_1 / io_n:.2f} speedup_io_held={io_1 / io_held:.2f} "
          f"busy_gil={cpu_used / cpu_gil:.2f} io_1_s={io_1:.3f} io_n_held_s={io_held:.3f} "
          f"gil_enabled={str(gil_enabled).lower()} results_equal={str(results_equal).lower()} "
          f"ideal_s={ideal:.3f}")


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
