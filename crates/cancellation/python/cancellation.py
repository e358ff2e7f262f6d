"""The Python side of cancellation: what stops a coroutine, and what does not.

`task.cancel()` raises CancelledError inside the coroutine, at the await it is waiting
at; its `finally` still runs, and may itself await. `wait_for` cancels on timeout, and
`shield` protects. A thread (`to_thread`) cannot be cancelled: cancelling its task only
stops the waiting. The same seven cases as the Rust program, and the same summary keys.

    python3 crates/cancellation/python/cancellation.py
"""

import argparse
import asyncio
import os
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
        await asyncio.wait_for(job(c, work), limit)
        got = "Ok"
    except asyncio.TimeoutError:  # the builtin TimeoutError since 3.11
        got = "TimeoutError"
    await asyncio.sleep(work)  # the job would have finished by now, had it run on
    return c, got


async def timeout_task(work, limit):
    c = Counts()
    task = asyncio.create_task(job(c, work))
    try:
        await asyncio.wait_for(task, limit)  # unlike Rust's timeout on a handle: cancels the task
        got = "Ok"
    except asyncio.TimeoutError:  # the builtin TimeoutError since 3.11
        got = "TimeoutError"
    await asyncio.sleep(work)
    return c, got


async def timeout_handle(work, limit):
    c = Counts()
    task = asyncio.create_task(job(c, work))
    try:
        await asyncio.wait_for(asyncio.shield(task), limit)  # Rust's timeout on a JoinHandle
        got = "Ok"
    except asyncio.TimeoutError:  # the builtin TimeoutError since 3.11
        got = "TimeoutError"
    await c.until("completed")
    return c, got


async def abort(work, limit):
    c = Counts()
    task = asyncio.create_task(job(c, work))
    await asyncio.sleep(limit)
    task.cancel()
    try:
        await task
        got = "Ok"
    except asyncio.CancelledError:
        got = "CancelledError"
    await asyncio.sleep(work)
    return c, got


async def abort_blocking(work, limit):
    c = Counts()
    task = asyncio.create_task(asyncio.to_thread(blocking_job, c, work))
    await c.until("started")
    task.cancel()  # stops the waiting, not the thread
    try:
        await task
        got = "Ok"
    except asyncio.CancelledError:
        got = "CancelledError"
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
    asyncio.create_task(job(c, work))  # no reference kept (the docs warn it may be collected)
    await c.until("completed")
    return c, "-"


CASES = [
    ("timeout_future", "wait_for(coro, timeout)", timeout_future),
    ("timeout_task", "wait_for(task, timeout)", timeout_task),
    ("timeout_handle", "wait_for(shield(task), timeout)", timeout_handle),
    ("abort", "task.cancel()", abort),
    ("abort_blocking", "cancel a to_thread task", abort_blocking),
    ("never_awaited", "coroutine never awaited", never_awaited),
    ("spawned", "create_task, never awaited", spawned),
    ("detached", "create_task, no reference", detached),
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
            fields.append(f"{key}_got={got}")
        awaited += c.cleanup_awaited
    elapsed = time.perf_counter() - start
    # Each case waits out one job's length, and the three that cancel a running job
    # (wait_for on a coroutine and on a task, cancel) first wait for the caller to give up.
    ideal = work * len(CASES) + limit * 3
    print()
    print("cleanup: the finally ran after CancelledError; awaited: and an await inside it completed.")
    print(
        f"summary: work_ms={work_ms} timeout_ms={timeout_ms} {' '.join(fields)} "
        f"cleanup_awaited={awaited} elapsed_s={elapsed:.3f} ideal_s={ideal:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="what stops a coroutine, and what does not")
    parser.add_argument("--work-ms", type=int, default=200, help="how long the job waits, in ms (20..5000)")
    parser.add_argument("--timeout-ms", type=int, default=50, help="when the caller gives up, in ms (at most half of --work-ms)")
    args = parser.parse_args()
    if not 20 <= args.work_ms <= 5000:
        parser.error("argument --work-ms: must be 20..5000")
    if not 1 <= args.timeout_ms * 2 <= args.work_ms:
        parser.error("argument --timeout-ms: must be at least 1 and at most half of --work-ms")
    asyncio.run(demo(args.work_ms, args.timeout_ms))


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # `... | head`: the reader is done
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    except KeyboardInterrupt:
        raise SystemExit(130)
