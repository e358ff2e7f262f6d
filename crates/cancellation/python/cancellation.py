"""The Python side of cancellation: what stops a coroutine, and what does not.

`task.cancel()` raises CancelledError inside the coroutine, at the await it is waiting
at; its `finally` still runs, and may itself await. `async with asyncio.timeout(t)`
(3.11+; `wait_for` does the same for one awaitable) cancels what it waits for when time
is up, and `shield` protects. A thread (`to_thread`) cannot be cancelled: cancelling its
task only stops the waiting. The same seven cases as the Rust program, one more of
Python's own, and the same summary keys, with what the caller got in the same words:
ok, elapsed, cancelled.

    python3 crates/cancellation/python/cancellation.py
"""

import argparse
import asyncio
import time


class Counts:
    def __init__(self):
        self.started = self.completed = self.cleanup = self.cleanup_awaited = 0

    async def until(self, what: str) -> "Counts":
        deadline = time.monotonic() + 60
        while getattr(self, what) == 0:
            if time.monotonic() > deadline:
                raise SystemExit(f"error: a job did not reach '{what}' within 60 s; the machine may be overloaded")
            await asyncio.sleep(0.001)
        return self


async def job(counts: Counts, work: float) -> None:
    counts.started += 1
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


def blocking_job(counts: Counts, work: float) -> None:
    counts.started += 1
    time.sleep(work)  # in a thread: nothing can interrupt it
    counts.completed += 1


async def timeout_future(work, limit):
    c = Counts()
    try:
        async with asyncio.timeout(limit):
            await job(c, work)  # cancelled when time is up: CancelledError inside the job
        got = "Ok"
    except TimeoutError:  # what the timeout turns the cancellation into, outside the block
        got = "TimeoutError"
    await asyncio.sleep(work)  # the job would have finished by now, had it run on
    return c, got


async def timeout_task(work, limit):
    c = Counts()
    task = asyncio.create_task(job(c, work))
    try:
        async with asyncio.timeout(limit):
            await task  # unlike Rust's timeout on a handle: the cancel reaches the task
        got = "Ok"
    except TimeoutError:
        got = "TimeoutError"
    await asyncio.sleep(work)
    return c, got


async def timeout_handle(work, limit):
    c = Counts()
    task = asyncio.create_task(job(c, work))
    try:
        async with asyncio.timeout(limit):
            await asyncio.shield(task)  # Rust's timeout on a JoinHandle: the task runs on
        got = "Ok"
    except TimeoutError:
        got = "TimeoutError"
    await c.until("completed")
    return c, got


async def abort(work, limit):
    c = Counts()
    task = asyncio.create_task(job(c, work))
    await asyncio.sleep(limit)
    task.cancel()
    await asyncio.wait({task})  # until it has ended; `await task` would raise its CancelledError
    got = "CancelledError" if task.cancelled() else "Ok"
    await asyncio.sleep(work)
    return c, got


async def abort_blocking(work, limit):
    c = Counts()
    task = asyncio.create_task(asyncio.to_thread(blocking_job, c, work))
    await c.until("started")
    task.cancel()  # stops the waiting, not the thread
    await asyncio.wait({task})
    got = "CancelledError" if task.cancelled() else "Ok"
    await c.until("completed")
    return c, got


async def never_awaited(work, limit):
    c = Counts()
    coro = job(c, work)  # a coroutine object: nothing has run
    try:
        await asyncio.sleep(work)
    finally:  # also when Ctrl-C cancels this case mid-sleep
        coro.close()  # closed without a single step (close() also spares the "never awaited" warning)
    return c, "-"


async def spawned(work, limit):
    c = Counts()
    task = asyncio.create_task(job(c, work))  # kept, never awaited
    await c.until("completed")
    del task
    return c, "-"


async def detached(work, limit):
    c = Counts()
    # Rust's dropped JoinHandle: the caller keeps no handle. The docs' pattern holds a
    # reference in a set until the task is done (a task nobody references may be
    # garbage-collected mid-way); nothing waits for it.
    background = set()
    task = asyncio.create_task(job(c, work))
    background.add(task)
    task.add_done_callback(background.discard)
    del task
    await c.until("completed")
    return c, "-"


# What the caller got, in the summary line's words (the same as the Rust program's).
WORDS = {"Ok": "ok", "TimeoutError": "elapsed", "CancelledError": "cancelled"}

CASES = [
    ("timeout_future", "timeout(): await coro", timeout_future),
    ("timeout_task", "timeout(): await task", timeout_task),
    ("timeout_handle", "timeout(): await shield(task)", timeout_handle),
    ("abort", "task.cancel()", abort),
    ("abort_blocking", "cancel a to_thread task", abort_blocking),
    ("never_awaited", "coroutine never awaited", never_awaited),
    ("spawned", "create_task, never awaited", spawned),
    ("detached", "create_task, no handle kept", detached),
]


async def demo(work_ms: int, timeout_ms: int) -> None:
    work, limit = work_ms / 1000, timeout_ms / 1000
    print(f"a job: start, wait {work_ms} ms at an await, finish; its finally is its cleanup")
    print(f"the caller stops waiting after {timeout_ms} ms, {len(CASES)} ways")
    print()
    print(f"{'how the caller stops waiting':<34} {'the caller got':<15} {'started':>7} {'completed':>9} {'cleanup':>7} {'awaited':>8}")
    start = time.perf_counter()
    fields = []
    awaited = 0
    for key, how, case in CASES:
        c, got = await case(work, limit)
        print(f"{how:<34} {got:<15} {c.started:>7} {c.completed:>9} {c.cleanup:>7} {c.cleanup_awaited:>8}")
        fields.append(f"{key}_started={c.started} {key}_completed={c.completed} {key}_cleanup={c.cleanup}")
        if got != "-":
            fields.append(f"{key}_got={WORDS[got]}")
        awaited += c.cleanup_awaited
    elapsed = time.perf_counter() - start
    # Each case waits out one job's length, and the three that cancel a running job
    # (a timeout on a coroutine and on a task, cancel) first wait for the caller to give up.
    ideal = work * len(CASES) + limit * 3
    print()
    print("cleanup: the finally ran after CancelledError; awaited: and an await inside it completed.")
    print(
        f"summary: work_ms={work_ms} timeout_ms={timeout_ms} {' '.join(fields)} "
        f"cleanup_awaited={awaited} elapsed_s={elapsed:.3f} ideal_s={ideal:.3f}"
    )


def main():
    parser = argparse.ArgumentParser(description="what stops a coroutine, and what does not")
    parser.add_argument("--work-ms", type=int, default=200, help="how long the job waits, in ms (20..5000)")
    parser.add_argument("--timeout-ms", type=int, default=50, help="when the caller gives up, in ms (at most half of --work-ms)")
    args = parser.parse_args()
    if not 20 <= args.work_ms <= 5000:
        parser.error("argument --work-ms: must be 20..5000")
    if not 1 <= args.timeout_ms * 2 <= args.work_ms:
        parser.error("argument --timeout-ms: must be at least 1 and at most half of --work-ms")
    asyncio.run(demo(args.work_ms, args.timeout_ms))


# ---- the command-line frame: the same in every twin (make test compares it with
# ---- scripts/template/python/); change it there, then copy it.
def run_as_a_command(main):
    """Runs main() and ends the way a shell expects a command to end. Ctrl-C: status 130,
    no traceback. A closed pipe (`twin | head`): the reader is done, status 0. Output that
    cannot be written (a full disk): one `error:` line, status 1. A thread that meets the
    closed pipe or the full disk ends the whole process the same way."""
    import errno
    import os
    import sys
    import threading

    def status_for(error):
        if isinstance(error, KeyboardInterrupt):
            return 130
        if isinstance(error, BrokenPipeError):
            return 0
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            print(f"error: cannot write the output ({error.strerror}); free some space or "
                  "write elsewhere", file=sys.stderr, flush=True)
            return 1
        return None

    def end(status):
        # What is still buffered for stdout must not fail again at exit: drop it.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError:
            pass
        return status

    default_hook = threading.excepthook

    def thread_hook(args):
        status = status_for(args.exc_value)
        if status is None:
            default_hook(args)
        else:
            os._exit(end(status))

    threading.excepthook = thread_hook
    try:
        status = main()
        sys.stdout.flush()  # inside the try: a closed pipe or a full disk may show only here
    except (KeyboardInterrupt, OSError) as error:
        status = status_for(error)
        if status is None:
            raise
        sys.exit(end(status))
    sys.exit(status)
# ---- end of the frame


if __name__ == "__main__":
    run_as_a_command(main)
