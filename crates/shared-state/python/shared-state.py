"""The Python side of shared-state: Fowler's lost update, measured.

100 coroutines on one thread each read a counter, await asyncio.sleep, and write back
what they read plus one: the counter ends far below 100. An asyncio.Lock held across the
await makes it exactly 100, one task after another. With nothing awaited between the
read and the write (`counter += 1`, then the sleep), no other coroutine can run in
between: 100, in one delay; the sync_lock row does the same inside a threading.Lock. Each row's key (lost,
async_lock, one_step, sync_lock) is the Rust program's, for make compare.
Last, what one uncontended update costs each way. Standard library only.
"""

import argparse
import asyncio
import sys
import threading
import time
from functools import partial


class Box:
    value = 0


SAMPLE = 100  # the most tasks of one row recorded as tracks


class Lane:
    """One task's track in the trace: each call closes the step that just ended, from the
    end of the previous one (or the task's creation) to now; the same names as the Rust."""

    def __init__(self, trace, group, n, delay_ms):
        self.trace, self.group, self.delay_ms = trace, group, delay_ms
        self.track = trace.track(group, f"task #{n}") if trace.on and n <= SAMPLE else None
        self.mark, self.seen = time.perf_counter(), 0

    def _step(self, kind, name):
        if self.track is not None:
            now = time.perf_counter()
            self.trace.slice(self.track, kind, name, self.mark, now)
            self.mark = now

    def locked(self):
        self._step("wait for the lock", "wait for the lock")

    def read(self, seen):
        self.seen = seen
        self._step("read", f"read {seen}")

    def awaited(self, holding_the_lock=False):
        self._step("await", f"await {self.delay_ms} ms" + (" (holding the lock)" if holding_the_lock else ""))

    def wrote(self, value):
        self._step("write", f"write {self.seen} + 1 = {value}")
        self._level(value)

    def added(self, value):
        self._step("write", f"add 1 in one step = {value}")
        self._level(value)

    def _level(self, value):
        if self.track is not None:
            self.trace.counter(self.group, "counter", time.perf_counter(), value)


async def timed(tasks, coroutine, lane):
    """Runs `tasks` copies of coroutine() as tasks and waits for all: how long it took.
    Each gets its lane of the trace, lane(n)."""
    start = time.perf_counter()
    async with asyncio.TaskGroup() as group:  # holds every task until it has ended
        for n in range(1, tasks + 1):
            group.create_task(coroutine(lane=lane(n)))
    return time.perf_counter() - start


async def rows(tasks, delay, trace, delay_ms):
    results = {}

    async def read_await_write(box, lane):
        seen = box.value
        lane.read(seen)
        await asyncio.sleep(delay)  # every other task reads the same value here
        lane.awaited()
        box.value = seen + 1
        lane.wrote(seen + 1)

    async def locked(box, lock, lane):
        async with lock:  # held across the await: the others wait their turn
            lane.locked()
            seen = box.value
            lane.read(seen)
            await asyncio.sleep(delay)
            lane.awaited(holding_the_lock=True)
            box.value = seen + 1
            lane.wrote(seen + 1)

    async def add_then_await(box, lane):
        box.value += 1  # no await inside: no other coroutine runs in between
        lane.added(box.value)
        await asyncio.sleep(delay)
        lane.awaited()

    async def std_lock_then_await(box, lock, lane):
        with lock:  # a threading.Lock, released before the await
            box.value += 1
            lane.added(box.value)
        await asyncio.sleep(delay)
        lane.awaited()

    print(f"  {'key':<11} {'how each task updates the counter':<42} {'counter':>11} {'elapsed':>11} "
          f"{'ideal':>9} {'beyond':>10} {'ratio':>6} {'threads':>7}")
    for name, label, make, delays in [
        ("lost", "read, await, write", read_await_write, 1),
        ("async_lock", "asyncio.Lock held across the await", partial(locked, lock=asyncio.Lock()), tasks),
        ("one_step", "+= 1, then await", add_then_await, 1),
        ("sync_lock", "threading.Lock, released before the await",
         partial(std_lock_then_await, lock=threading.Lock()), 1),
    ]:
        box = Box()
        group = trace.group(label)
        elapsed = await timed(tasks, partial(make, box), partial(Lane, trace, group, delay_ms=delay_ms))
        ideal = delay * delays
        print(f"  {name:<11} {label:<42} {f'{box.value} of {tasks}':>11} {elapsed:>9.3f} s {ideal:>7.3f} s "
              f"{(elapsed - ideal) * 1e3:>+7.1f} ms {elapsed / ideal:>6.3f} {threading.active_count():>7}")
        results[name] = (box.value, elapsed)
    return results


async def cost(updates):
    def best(round_):
        return min(round_() for _ in range(5)) * 1e9 / updates

    lock = asyncio.Lock()
    box = Box()

    async def asyncio_lock():
        start = time.perf_counter()
        for _ in range(updates):
            async with lock:
                box.value += 1
        return time.perf_counter() - start

    times = [await asyncio_lock() for _ in range(5)]
    asyncio_ns = min(times) * 1e9 / updates
    tlock = threading.Lock()

    def threading_lock():
        start = time.perf_counter()
        for _ in range(updates):
            with tlock:
                box.value += 1
        return time.perf_counter() - start

    def plain():
        start = time.perf_counter()
        for _ in range(updates):
            box.value += 1
        return time.perf_counter() - start

    return asyncio_ns, best(threading_lock), best(plain)


async def main_async(args):
    delay = args.delay_ms / 1000
    print(f"{args.tasks} tasks on one thread, each: read the counter, await {args.delay_ms} ms (delay_ms), "
          "write it + 1")
    trace = Trace(on=args.trace is not None)
    r = await rows(args.tasks, delay, trace, args.delay_ms)
    explain(args.tasks, args.delay_ms, r)
    c = await cost(args.cost_updates)
    print(f"one update with nobody else waiting, in ns (the fastest of 5 rounds of {args.cost_updates}):")
    for key, ns, how in [("ns_async_lock", c[0], "async with asyncio.Lock: counter += 1"),
                         ("ns_sync_lock", c[1], "with threading.Lock: counter += 1"),
                         ("ns_one_step", c[2], "counter += 1")]:
        print(f"  {key:<14} {ns:>7.1f} ns   {how}")
    if trace.on:
        if args.tasks > SAMPLE:
            note = (f"a sample: only tasks #1 to #{SAMPLE} of {args.tasks} in each row have tracks, "
                    "and the counter shows the values their writes left")
            trace.note(note)
            print(f"trace: {note}")
        if not write_trace(trace, args.trace):
            return 1
    print(f"summary: tasks={args.tasks} delay_ms={args.delay_ms} counter_lost={r['lost'][0]} "
          f"counter_async_lock={r['async_lock'][0]} counter_one_step={r['one_step'][0]} "
          f"counter_sync_lock={r['sync_lock'][0]} threads={threading.active_count()} "
          f"ratio_lost={r['lost'][1] / delay:.3f} "
          f"ratio_async_lock={r['async_lock'][1] / (delay * args.tasks):.3f} "
          f"ratio_one_step={r['one_step'][1] / delay:.3f} ratio_sync_lock={r['sync_lock'][1] / delay:.3f} "
          f"ns_async_lock={c[0]:.1f} ns_sync_lock={c[1]:.1f} ns_one_step={c[2]:.1f} "
          f"ideal_s={delay * (args.tasks + 3):.3f}")


def explain(tasks, delay_ms, r):
    """What the columns mean, from this run's figures: said once, under the table."""
    delay = delay_ms / 1000
    lost_ms = (r["lost"][1] - delay) * 1e3
    locked_ms = (r["async_lock"][1] - delay * tasks) * 1e3
    print("counter: its value once every task ended (summary: counter_<key>); threads: the OS threads "
          "the process had (summary: threads, the most of any row)")
    print(f"ideal: the row's awaits alone: one {delay_ms} ms where the {tasks} awaits overlap, {tasks} x "
          f"{delay_ms} ms where async_lock makes them wait their turn; ideal_s = {delay * (tasks + 3):.3f} s, "
          "the four rows' ideals added up")
    print(f"ratio: elapsed / ideal, in times, no unit (summary: ratio_<key>). What is beyond the ideal is a "
          "few ms whatever --delay-ms: the event loop waits for its next timer in whole milliseconds, rounded "
          "up, and it does its own work on each task (create, run, wake). Against one "
          f"{delay_ms} ms await, lost's {lost_ms:+.1f} ms reads as {r['lost'][1] / delay:.3f}; async_lock pays "
          f"the wait on each of its {tasks} awaits in turn, {locked_ms:+.1f} ms = {locked_ms / tasks:.2f} ms an await")


def write_trace(trace, path):
    """Writes the trace; False, after one `error:` line, when it cannot."""
    try:
        trace.write(path)
    except OSError as error:
        print(f"error: cannot write the trace to {path} ({error.strerror}); check that its folder exists",
              file=sys.stderr)
        return False
    print(f"trace written to {path} (open it in ui.perfetto.dev or vizviewer)")
    return True


def main():
    parser = argparse.ArgumentParser(description="Lost updates without threads")
    parser.add_argument("--tasks", type=int, default=100, help="how many tasks increment the counter")
    parser.add_argument("--delay-ms", type=int, default=10, help="the await between read and write, ms")
    parser.add_argument("--cost-updates", type=int, default=200_000,
                        help="updates to time for the cost of one")
    parser.add_argument("--trace", metavar="FILE",
                        help="write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer)")
    args = parser.parse_args()
    if not (2 <= args.tasks <= 100_000 and 1 <= args.delay_ms <= 1000
            and 1000 <= args.cost_updates <= 100_000_000):
        parser.error("a value is out of range (see --help)")
    return asyncio.run(main_async(args))


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
