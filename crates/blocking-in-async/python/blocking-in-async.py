"""The Python side of blocking-in-async: four coroutines that each block for 200 ms.

asyncio runs every coroutine on one thread, so `time.sleep` (or a CPU loop) inside one
holds the whole event loop: the blocks add up and a heartbeat task cannot tick. Handing
the call to `asyncio.to_thread` frees the loop for sleeps; CPU work in threads still
takes turns under the GIL, and needs processes (`run_in_executor` with a process pool)
to overlap. There is no multi-thread event loop to try: the loop is one thread.

    python3 crates/blocking-in-async/python/blocking-in-async.py
"""

import argparse
import asyncio
import concurrent.futures
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import time

PR_SET_PDEATHSIG = 1


def spin(cpu_s: float) -> int:
    """A CPU loop that runs until this thread has used `cpu_s` of processor time."""
    start = time.thread_time()
    x = 0
    while time.thread_time() - start < cpu_s:
        for i in range(10_000):
            x = (x * 6364136223846793005 + i) & 0xFFFFFFFFFFFFFFFF
    return x


def die_with_parent(parent: int) -> None:
    """Each pool worker's first call: end this worker when the program that started it ends,
    also when a signal killed the program alone (`kill <pid>`), not its process group."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the program ended before prctl: no signal will come
        os._exit(0)


async def heartbeat(tick: float, state: dict, trace, track) -> None:
    """Wants to wake every `tick`; records how late it woke, and draws each tick."""
    while True:
        state["asked"] = time.perf_counter()
        state["due"] = state["asked"] + tick
        await asyncio.sleep(tick)
        woke = time.perf_counter()
        late = woke - state["due"]
        state["worst"] = max(state["worst"], late)
        state["ticks"] += 1
        kind = "heartbeat: on time" if late < 0.002 else "heartbeat: late"
        trace.slice(track, kind, f"tick {state['ticks']}: woke {late * 1e3:.1f} ms late", state["asked"], woke)


class Lanes:
    """One row of the table in the trace: a track per coroutine, a slice from its start to its end."""

    def __init__(self, trace, group, kind):
        self.trace, self.group, self.kind = trace, group, kind

    async def timed(self, i, make):
        """Awaits make(), made here so that a run cancelled before this starts leaves no
        coroutine never awaited."""
        track, t0 = self.trace.track(self.group, f"task {i + 1}"), time.perf_counter()
        result = await make()
        now = time.perf_counter()
        self.trace.slice(track, self.kind, f"task {i + 1}: {self.kind} for {round((now - t0) * 1e3)} ms", t0, now)
        return result


async def measure(tick: float, work, trace, group) -> tuple[float, float, int]:
    state = {"asked": time.perf_counter(), "due": time.perf_counter() + tick, "worst": 0.0, "ticks": 0}
    track = trace.track(group, f"heartbeat: every {round(tick * 1000)} ms")
    beat = asyncio.create_task(heartbeat(tick, state, trace, track))
    await asyncio.sleep(2 * tick)  # the heartbeat is ticking before the work starts
    start = time.perf_counter()
    await work()
    elapsed = time.perf_counter() - start
    # A tick that is due and has not run yet is already that late.
    worst = max(state["worst"], time.perf_counter() - state["due"])
    if time.perf_counter() - state["due"] > 0.002:
        late = time.perf_counter() - state["due"]
        trace.slice(track, "heartbeat: late", f"tick {state['ticks'] + 1}: not run yet, {late * 1e3:.1f} ms late",
                    state["asked"], time.perf_counter())
    beat.cancel()
    await asyncio.wait({beat})  # until it has ended: no task outlives its row
    return elapsed, worst, state["ticks"]


def main():
    parser = argparse.ArgumentParser(description="four coroutines that block for 200 ms, and the ways out")
    parser.add_argument("--tasks", type=int, default=4, choices=range(2, 65), metavar="2..64", help="how many coroutines block")
    parser.add_argument("--block-ms", type=int, default=200, help="how long each blocks, in ms (20..5000)")
    parser.add_argument("--tick-ms", type=int, default=5, help="how often the heartbeat wants to tick, in ms")
    parser.add_argument("--workers", type=int, default=2, choices=range(2, 17), metavar="2..16", help="processes in the CPU pool")
    parser.add_argument("--trace", metavar="FILE",
                        help="write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer)")
    args = parser.parse_args()
    if not 20 <= args.block_ms <= 5000:
        parser.error("argument --block-ms: must be 20..5000")
    if not 1 <= args.tick_ms * 4 <= args.block_ms:
        parser.error("argument --tick-ms: must be at least 1 and at most a quarter of --block-ms")
    asyncio.run(demo(args))


# The rows whose heartbeat lateness the summary line carries: one blocked, three freed.
LATE_KEYS = ("current_sleep", "spawn_blocking", "process_pool", "tokio_sleep")


def cpu_time(pool) -> float:
    """The CPU time this process (all its threads) and the pool's worker processes have
    used so far, in seconds. The workers' is read from /proc (Linux); elsewhere it counts
    as 0, and the process pool's row then never reads as busy."""
    total = time.process_time()
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for pid in list(getattr(pool, "_processes", None) or {}):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total


async def demo(args) -> None:
    trace = Trace(on=args.trace is not None)
    n, block, tick = args.tasks, args.block_ms / 1000, args.tick_ms / 1000
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()  # False only on a free-threaded build
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    start = time.perf_counter()
    spin(block)
    spin_alone = time.perf_counter() - start
    print(f"{n} coroutines (tasks), each blocking for {args.block_ms} ms (block_ms); a heartbeat wants to tick "
          f"every {args.tick_ms} ms")
    print(f"on {cores} cores (cores); the CPU loop ({args.block_ms} ms of CPU time) took {spin_alone * 1e3:.0f} ms of wall time alone")
    print(f"the GIL is {'on' if gil else 'off'} (gil: {str(gil).lower()}): with it, one thread at a time runs Python code; "
          f"the process pool has {args.workers} processes (workers)")
    print()
    print(f"{'row':<15} {'how each coroutine waits':<40} {'elapsed':>9} {'x block':>8} {'heartbeat late':>15} {'ticks':>6}")
    loop = asyncio.get_running_loop()
    # Forked workers (their parent is this process, whatever the platform's default
    # start method), each of which dies with this process.
    pool = concurrent.futures.ProcessPoolExecutor(
        max_workers=args.workers, mp_context=multiprocessing.get_context("fork"),
        initializer=die_with_parent, initargs=(os.getpid(),))
    with pool:
        # Start the worker processes now, so the timed row measures the work, not their start.
        await asyncio.gather(*(loop.run_in_executor(pool, spin, 0.0) for _ in range(args.workers)))

        async def blocking_sleep():  # the mistake: the loop's one thread sleeps
            time.sleep(block)

        async def blocking_cpu():
            spin(block)

        # Each way: its key, its line, the legend's word for its blocks, and what makes one
        # coroutine's awaitable.
        ways = [
            ("current_sleep", "time.sleep in each coroutine", "blocks the loop (sleep)", blocking_sleep),
            ("current_cpu", "a CPU loop in each coroutine", "blocks the loop (CPU loop)", blocking_cpu),
            ("spawn_blocking", "asyncio.to_thread(time.sleep)", "sleeps in a thread", lambda: asyncio.to_thread(time.sleep, block)),
            ("to_thread_cpu", "asyncio.to_thread(CPU loop)", "CPU loop in a thread (GIL)", lambda: asyncio.to_thread(spin, block)),
            ("process_pool", f"CPU loop in a process pool({args.workers})", "CPU loop in a process", lambda: loop.run_in_executor(pool, spin, block)),
            ("tokio_sleep", "await asyncio.sleep", "awaits the timer", lambda: asyncio.sleep(block)),
        ]
        results, late_keys, got = [], [], {}
        for key, how, kind, make in ways:
            group = trace.group(f"{key}: {how}, the event loop")
            lanes = Lanes(trace, group, kind)

            def work(lanes=lanes, make=make):
                return asyncio.gather(*(lanes.timed(i, make) for i in range(n)))
            cpu_before = cpu_time(pool)
            elapsed, late, ticks = await measure(tick, work, trace, group)
            got[key] = (cpu_time(pool) - cpu_before) / elapsed  # cores' worth of CPU time
            print(f"{key:<15} {how:<40} {elapsed * 1e3:>6.0f} ms {elapsed / block:>8.2f} {late * 1e3:>12.1f} ms {ticks:>6}")
            results.append(f"{key}_x={elapsed / block:.2f}")
            if key in LATE_KEYS:
                late_keys.append(f"{key}_late_ms={late * 1e3:.1f}")
    # The deliberate waits: the CPU loop alone, each way's two warm-up ticks, and each way's
    # blocks run as many at a time as that way allows: one after another on the loop (and
    # in threads, for CPU work under the GIL), `workers` at a time in the process pool and
    # no faster than the cores, all at once for sleeps in threads or awaited.
    rounds = -(-n // args.workers)
    cpu_in_threads = n if gil else max(1, n / cores)
    blocks = 1 + n + n + 1 + cpu_in_threads + max(rounds, n / cores) + 1
    ideal = block * blocks + 2 * tick * len(ways)
    print()
    print(f"x block: elapsed / one block ({args.block_ms} ms): {n} on the one loop, 1 when the blocks overlap.")
    print("heartbeat late: the longest a tick waited past its time; ticks: how many it got in during the row.")
    print("summary keys: <row>_x is a row's x block (current_sleep_x ...), <row>_late_ms its heartbeat late,")
    print("  for current_sleep, spawn_blocking, process_pool and tokio_sleep (the others are in the table only;")
    print("  the row keys are the Rust program's where the two do the same).")
    print("The event loop is one thread: a blocking call in any coroutine stops all of them, and the heartbeat.")
    print("to_thread frees the loop; CPU work in threads still takes turns under the GIL; processes overlap it.")
    usable = {"current_cpu": 1, "to_thread_cpu": 1 if gil else min(n, cores), "process_pool": min(args.workers, cores)}
    short = [f"{key} {got[key]:.2f} of {usable[key]} core{'s' if usable[key] > 1 else ''}"
             for key in usable if got[key] < 0.8 * usable[key]]
    if short:
        load = f" (load average {os.getloadavg()[0]:.2f})" if hasattr(os, "getloadavg") else ""
        print(f"busy machine: CPU time / wall time was {', '.join(short)}{load}: "
              "other programs had the rest, so these x block read high")
    print()
    print(f"ideal_s {ideal:.3f}: the time the deliberate waits alone take: the CPU loop alone, then each row's")
    print(f"  blocks, as many at a time as the row allows and the cores can run, and its {2 * args.tick_ms} ms of warm-up ticks")
    if trace.on:
        trace.write(args.trace)
        print(f"trace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")
    print(
        f"summary: tasks={n} block_ms={args.block_ms} workers={args.workers} cores={cores} gil={str(gil).lower()} "
        f"{' '.join(results)} {' '.join(late_keys)} ideal_s={ideal:.3f}"
    )


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
