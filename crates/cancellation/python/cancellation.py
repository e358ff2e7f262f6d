"""The Python side of cancellation: what stops a coroutine, and what does not.

`task.cancel()` raises CancelledError inside the coroutine, at the await it is waiting
at; its `finally` still runs, and may itself await. `async with asyncio.timeout(t)`
(3.11+; `wait_for` does the same for one awaitable) cancels what it waits for when time
is up, and `shield` protects. A thread (`to_thread`) cannot be cancelled: cancelling its
task only stops the waiting. The same seven cases as the Rust program, one more of
Python's own, and the same summary keys, with what happened to the job in the same
words: cancelled, finished, never_ran.

    python3 crates/cancellation/python/cancellation.py
"""

import argparse
import asyncio
import time


class Counts:
    """A case's counters, and its group of the trace: the job's track shows it from its
    start until it really stopped, the caller's track the moment it gave up."""

    def __init__(self, trace, case):
        self.started = self.completed = self.cleanup = self.cleanup_awaited = 0
        self.trace, group = trace, trace.group(case)
        self.job, self.caller_track = trace.track(group, "the job"), trace.track(group, "the caller")
        self.started_at = None

    def start(self):
        self.started += 1
        self.started_at = time.perf_counter()

    def stopped(self, finished):
        now = time.perf_counter()
        ms = round((now - self.started_at) * 1000)
        if finished:
            self.trace.slice(self.job, "ran to the end", f"the job: ran to its end, {ms} ms", self.started_at, now)
        else:
            name = f"the job: cancelled at its await after {ms} ms, cleanup ran"
            self.trace.slice(self.job, "stopped at its .await", name, self.started_at, now)

    def caller(self, what):
        self.trace.instant(self.caller_track, what, time.perf_counter())

    async def until(self, what: str) -> "Counts":
        deadline = time.monotonic() + 60
        while getattr(self, what) == 0:
            if time.monotonic() > deadline:
                raise SystemExit(f"error: a job did not reach '{what}' within 60 s; the machine may be overloaded")
            await asyncio.sleep(0.001)
        return self


async def job(counts: Counts, work: float) -> None:
    counts.start()
    finished = False
    try:
        await asyncio.sleep(work)  # a cancelled job gets CancelledError here
        finished = True
        counts.completed += 1
    finally:
        if not finished:
            counts.cleanup += 1
            await asyncio.sleep(0)  # a finally may still await: Rust's Drop cannot
            counts.cleanup_awaited += 1
        counts.stopped(finished)


def blocking_job(counts: Counts, work: float) -> None:
    counts.start()
    time.sleep(work)  # in a thread: nothing can interrupt it
    counts.completed += 1
    counts.stopped(True)


async def timeout_future(work, limit, c):
    try:
        async with asyncio.timeout(limit):
            await job(c, work)  # cancelled when time is up: CancelledError inside the job
        got = "Ok"
    except TimeoutError:  # what the timeout turns the cancellation into, outside the block
        got = "TimeoutError"
        c.caller("timeout: time is up, the coroutine is cancelled")
    await asyncio.sleep(work)  # the job would have finished by now, had it run on
    return c, got


async def timeout_task(work, limit, c):
    task = asyncio.create_task(job(c, work))
    try:
        async with asyncio.timeout(limit):
            await task  # unlike Rust's timeout on a handle: the cancel reaches the task
        got = "Ok"
    except TimeoutError:
        got = "TimeoutError"
        c.caller("timeout: time is up, the task is cancelled")
    await asyncio.sleep(work)
    return c, got


async def timeout_handle(work, limit, c):
    task = asyncio.create_task(job(c, work))
    try:
        async with asyncio.timeout(limit):
            await asyncio.shield(task)  # Rust's timeout on a JoinHandle: the task runs on
        got = "Ok"
    except TimeoutError:
        got = "TimeoutError"
        c.caller("timeout: time is up, only the shield is cancelled")
    await c.until("completed")
    return c, got


async def abort(work, limit, c):
    task = asyncio.create_task(job(c, work))
    await asyncio.sleep(limit)
    task.cancel()
    c.caller("task.cancel()")
    await asyncio.wait({task})  # until it has ended; `await task` would raise its CancelledError
    got = "CancelledError" if task.cancelled() else "Ok"
    await asyncio.sleep(work)
    return c, got


async def abort_blocking(work, limit, c):
    task = asyncio.create_task(asyncio.to_thread(blocking_job, c, work))
    await c.until("started")
    task.cancel()  # stops the waiting, not the thread
    c.caller("task.cancel(): the thread runs on")
    await asyncio.wait({task})
    got = "CancelledError" if task.cancelled() else "Ok"
    await c.until("completed")
    return c, got


async def never_awaited(work, limit, c):
    coro = job(c, work)  # a coroutine object: nothing has run
    try:
        await asyncio.sleep(work)
    finally:  # also when Ctrl-C cancels this case mid-sleep
        coro.close()  # closed without a single step (close() also spares the "never awaited" warning)
        c.caller("the coroutine closed, never run")
    return c, "-"


async def spawned(work, limit, c):
    task = asyncio.create_task(job(c, work))  # kept, never awaited
    c.caller("create_task, the task never awaited")
    await c.until("completed")
    del task
    return c, "-"


async def detached(work, limit, c):
    # Rust's dropped JoinHandle: the caller keeps no handle. The docs' pattern holds a
    # reference in a set until the task is done (a task nobody references may be
    # garbage-collected mid-way); nothing waits for it.
    background = set()
    task = asyncio.create_task(job(c, work))
    background.add(task)
    task.add_done_callback(background.discard)
    del task
    c.caller("no reference kept to the task")
    await c.until("completed")
    return c, "-"


def outcome(c: Counts) -> str:
    """What happened to the job, in one word: the table's "the job" column, the case's value
    in the summary line (the Rust program's words)."""
    counts = (c.started, c.completed, c.cleanup)
    words = {(1, 0, 1): "cancelled", (1, 1, 0): "finished", (0, 0, 0): "never_ran"}
    return words.get(counts, f"started{c.started}_completed{c.completed}_cleanup{c.cleanup}")


# Each case is a group of the trace, named as the Rust program's where the two do the same.
CASES = [
    ("timeout_future", "timeout(): await coro", timeout_future, "timeout on the future: await coro"),
    ("timeout_task", "timeout(): await task", timeout_task, "timeout on the task: await task"),
    ("timeout_handle", "timeout(): await shield(task)", timeout_handle, "timeout on the JoinHandle: shield(task)"),
    ("abort", "task.cancel()", abort, "abort() on a task: task.cancel()"),
    ("abort_blocking", "cancel a to_thread task", abort_blocking, "abort() on spawn_blocking: to_thread"),
    ("never_awaited", "coroutine never awaited", never_awaited, "a future never awaited: a coroutine"),
    ("spawned", "create_task, never awaited", spawned, "spawned, never awaited: create_task"),
    ("detached", "create_task, no handle kept", detached, "JoinHandle dropped: no reference kept"),
]


async def demo(work_ms: int, timeout_ms: int, trace) -> None:
    work, limit = work_ms / 1000, timeout_ms / 1000
    print(f"a job: start, wait {work_ms} ms (work_ms) at an await, finish; its finally is its cleanup")
    print(f"the caller stops waiting after {timeout_ms} ms (timeout_ms), {len(CASES)} ways: one case each")
    print()
    print(
        f"{'case':<15} {'how the caller stops waiting':<30} {'the caller got':<15} "
        f"{'started':>7} {'completed':>9} {'cleanup':>7} {'awaited':>7}  the job"
    )
    start = time.perf_counter()
    fields = []
    awaited = 0
    for key, how, case, group in CASES:
        c, got = await case(work, limit, Counts(trace, group))
        word = outcome(c)
        print(
            f"{key:<15} {how:<30} {got:<15} "
            f"{c.started:>7} {c.completed:>9} {c.cleanup:>7} {c.cleanup_awaited:>7}  {word}"
        )
        fields.append(f"{key}={word}")
        awaited += c.cleanup_awaited
    elapsed = time.perf_counter() - start
    # Each case waits out one job's length, and the three that cancel a running job
    # (a timeout on a coroutine and on a task, cancel) first wait for the caller to give up.
    ideal = work * len(CASES) + limit * 3
    print()
    print("started, completed: the job reached its start, its end. cleanup: its finally ran after")
    print("  CancelledError (raised inside the job, at the await it was waiting at); awaited: and an")
    print(f"  await inside that finally completed (cleanup_awaited {awaited}: a Rust Drop cannot await)")
    print("the job: cancelled = stopped at its await; finished = ran to its end, though the caller")
    print("  stopped waiting; never_ran = a coroutine does nothing until it is awaited or made a task")
    print("shield(task): the timeout cancels the shield, not the task; to_thread: the function runs")
    print("  in a thread, which nothing can interrupt, so cancelling stops only the waiting")
    print()
    print(f"elapsed_s {elapsed:.3f}: the run's wall time. ideal_s {ideal:.3f}: the time the deliberate waits alone take:")
    print(f"  one job's length per case ({len(CASES)} x {work_ms} ms), and the caller's {timeout_ms} ms in the three")
    print("  cases that stop a running job (timeout on the coroutine, on the task, cancel) before they wait it out")
    if trace.on:
        trace.write(trace.path)
        print(f"trace written to {trace.path} (open it in ui.perfetto.dev or vizviewer)")
    print(
        f"summary: work_ms={work_ms} timeout_ms={timeout_ms} {' '.join(fields)} "
        f"cleanup_awaited={awaited} elapsed_s={elapsed:.3f} ideal_s={ideal:.3f}"
    )


def main():
    parser = argparse.ArgumentParser(description="what stops a coroutine, and what does not")
    parser.add_argument("--work-ms", type=int, default=200, help="how long the job waits, in ms (20..5000)")
    parser.add_argument("--timeout-ms", type=int, default=50, help="when the caller gives up, in ms (at most half of --work-ms)")
    parser.add_argument("--trace", metavar="FILE",
                        help="write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer)")
    args = parser.parse_args()
    if not 20 <= args.work_ms <= 5000:
        parser.error("argument --work-ms: must be 20..5000")
    if not 1 <= args.timeout_ms * 2 <= args.work_ms:
        parser.error("argument --timeout-ms: must be at least 1 and at most half of --work-ms")
    trace = Trace(on=args.trace is not None)
    trace.path = args.trace
    asyncio.run(demo(args.work_ms, args.timeout_ms, trace))


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
