#!/usr/bin/env python3
"""Select-first, the Python side: waiting for the first of several tasks with asyncio.

The same five parts as the Rust program, with the same summary keys, and the places where
asyncio differs, measured:
1. asyncio.wait(FIRST_COMPLETED) returns the first of three naps; the other two are still
   running (losers_running=2) until we cancel them, as the docs tell us to.
2. asyncio.as_completed yields results in completion order.
3. Tasks we stop waiting for run on: nothing in asyncio stops a task when its caller no
   longer looks at it. The docs' pattern keeps a reference in a set until each is done.
4. A TaskGroup (3.11+) cancels the others at the first error, as try_join! drops them;
   asyncio.gather raises the same error but lets the others run on and finish.
5. Cancel safety: a reader task that takes two messages in a row, cancelled when a tick
   wins, loses the one it had taken; a get() kept pending across rounds loses none.

    python3 crates/select-first/python/select-first.py
    python3 crates/select-first/python/select-first.py --delay-ms 50 --messages 300

The last line is the same `summary:` line the Rust program prints (with one more key,
gather_finished, for the contrast Rust has no twin of).
"""

import argparse
import asyncio
import time


class Tally:
    """How the naps of one part ended, each end noted with its time. The part prints the
    notes (`show`) from the main coroutine: a task that prints could meet a closed pipe or
    a full disk, and its error would end up inside a TaskGroup's ExceptionGroup."""

    def __init__(self, trace, part):
        self.start = time.perf_counter()
        self.started = self.finished = self.dropped = 0
        self.notes = []
        self.trace, self.group = trace, trace.group(part)  # a group of the trace per part
        self.caller = None  # its track, made at its first moment

    def running(self):
        return self.started - self.finished - self.dropped

    def mark(self, what):
        """A moment of the caller's the lesson turns on: "wait() returns"."""
        if self.caller is None:
            self.caller = self.trace.track(self.group, "the caller")
        self.trace.instant(self.caller, what, time.perf_counter())

    def span(self, track, kind, name, t0):
        self.trace.slice(self.trace.track(self.group, track), kind, name, t0, time.perf_counter())

    def count_running(self, t):
        self.trace.counter(self.group, "naps running", t, self.running())

    def begin(self, ms):
        self.started += 1
        t0 = time.perf_counter()
        self.count_running(t0)
        return self.trace.track(self.group, f"nap {ms} ms"), t0

    def end(self, ms, finished, track, t0):
        now = time.perf_counter()
        at = now - self.start
        if finished:
            self.trace.slice(track, "slept to the end", f"nap {ms} ms: slept to the end", t0, now)
        else:
            self.trace.slice(track, "dropped mid-sleep", f"nap {ms} ms: cancelled before its end, cleanup ran", t0, now)
        self.end_counted(ms, finished, at)
        self.count_running(now)

    def end_counted(self, ms, finished, at):
        if finished:
            self.finished += 1
            self.notes.append(f"    +{at:.3f} s  {ms:>5} ms nap finished")
        else:
            self.dropped += 1
            self.notes.append(f"    +{at:.3f} s  {ms:>5} ms nap cancelled before its end: cleanup ran")

    def show(self):
        for note in self.notes:
            print(note)
        self.notes.clear()


async def nap(tally, ms):
    track, t0 = tally.begin(ms)
    finished = False
    try:
        await asyncio.sleep(ms / 1000)  # cancel() raises CancelledError here
        finished = True
        return ms
    finally:
        tally.end(ms, finished, track, t0)  # runs however the coroutine ends, as Rust's Drop


async def settle(start, unit):
    """Waits until 3.5 units after `start`: past the slowest nap's end."""
    await asyncio.sleep(max(0.0, start + 3.5 * unit - time.perf_counter()))


async def first_of_three(unit_ms, tally):
    start = time.perf_counter()
    # The TaskGroup owns the three tasks: none outlives the `async with`.
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(nap(tally, k * unit_ms)) for k in (1, 2, 3)]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        elapsed = time.perf_counter() - start
        running_after = tally.running()  # the losers are still running here
        tally.mark(f"wait() returns: {running_after} naps still running")
        winner = min(task.result() for task in done)  # if the loop woke late, the shortest
        for task in pending:
            task.cancel()  # without this they would run to the end
        tally.mark("cancel() the losers, by hand")
    # Leaving the group waited until the cancelled ones had run their cleanup.
    await settle(start, unit_ms / 1000)
    tally.show()
    print(f"  wait() returned the {winner} ms nap (first_ms) after {elapsed:.3f} s (first_elapsed_s)")
    print(f"  naps still running when wait() returned: {running_after} (losers_running)")
    print(f"  losers, cancelled by hand: cleanup ran {tally.dropped} (losers_cleanup), "
          f"finished {tally.finished - 1} (losers_finished), counted after the slowest one's end")
    return dict(first_ms=winner, first_elapsed_s=f"{elapsed:.3f}", losers_running=running_after,
                losers_cleanup=tally.dropped, losers_finished=tally.finished - 1)


async def in_completion_order(unit_ms, tally):
    order = [await done for done in asyncio.as_completed([nap(tally, k * unit_ms) for k in (3, 1, 2)])]
    tally.show()
    in_order = str(order == sorted(order)).lower()
    print(f"  results, in the order as_completed yielded them: {','.join(map(str, order))} ms; "
          f"in completion order: {in_order} (in_completion_order)")
    return dict(in_completion_order=in_order)


async def stop_waiting_for_the_tasks(unit_ms, tally):
    start = time.perf_counter()
    running = set()  # the docs' pattern: a strong reference to each task until it is done
    for k in (1, 2, 3):
        task = asyncio.create_task(nap(tally, k * unit_ms))
        running.add(task)
        task.add_done_callback(running.discard)
    done, pending = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
    held = len(pending)
    tally.mark(f"wait() returns; we look away: {tally.running()} naps run on")
    # We look at them no more, as Rust drops its JoinSet here; they are not cancelled.
    await settle(start, unit_ms / 1000)
    finished_after = tally.finished - len(done)
    tally.show()
    print(f"  {held} tasks were still running when we stopped waiting : cancelled {tally.dropped} "
          f"(set_aborted), finished afterwards {finished_after} (set_finished)")
    return dict(set_aborted=tally.dropped, set_finished=finished_after)


async def fails(unit_ms):
    await asyncio.sleep(unit_ms / 1000)
    raise RuntimeError(f"failed after {unit_ms} ms")


async def task_group_with_an_error(unit_ms, tally):
    """try_join!'s twin: the first error cancels the other tasks of the group."""
    start = time.perf_counter()
    error = None
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(nap(tally, 2 * unit_ms))
            group.create_task(fails(unit_ms))
            group.create_task(nap(tally, 3 * unit_ms))
    except* RuntimeError as errors:
        error = errors.exceptions[0]
    error_after = time.perf_counter() - start
    tally.mark("the TaskGroup raises the error: the others are cancelled")
    tally.show()  # the two cancelled ones ended before the group raised
    if error is not None:
        print(f"  the TaskGroup raised {error!r} after {error_after:.3f} s (try_join_error_s)")
    await settle(start, unit_ms / 1000)
    tally.show()
    print(f"  the others: cleanup ran {tally.dropped} (try_join_cleanup), finished {tally.finished} (try_join_finished)")
    return dict(try_join_error_s=f"{error_after:.3f}",
                try_join_cleanup=tally.dropped, try_join_finished=tally.finished)


async def gather_with_an_error(unit_ms, tally):
    """The older way: gather raises the first error and leaves the others running."""
    start = time.perf_counter()
    tasks = [asyncio.create_task(nap(tally, 2 * unit_ms)), asyncio.create_task(fails(unit_ms)),
             asyncio.create_task(nap(tally, 3 * unit_ms))]  # kept until they are done
    try:
        await asyncio.gather(*tasks)
    except RuntimeError as e:
        tally.mark("gather raises the error: the others run on")
        print(f"  gather raised {e!r} after {time.perf_counter() - start:.3f} s")
    await settle(start, unit_ms / 1000)
    tally.show()
    print(f"  the others: cleanup ran {tally.dropped}, finished {tally.finished} (gather_finished)")
    return dict(gather_finished=tally.finished)


async def producer(messages, queue, ticks, acks):
    """Sends numbered messages and, after every third, waits until the reader has taken
    them all (so a reader is waiting for its next message), sends a tick and waits until
    the loop has handled it. In this lockstep what a loop loses is certain."""
    for n in range(1, messages + 1):
        queue.put_nowait(n)
        if n % 3 == 0:
            while not queue.empty():
                await asyncio.sleep(0)
            ticks.put_nowait(None)
            await acks.get()
    queue.put_nowait(None)  # the end: asyncio.Queue has no close()
    return messages


async def read_two(queue):
    first = await queue.get()
    if first is None:
        return None, None
    second = await queue.get()  # a cancel here loses `first`
    return first, second


async def cancelled(task):
    """Cancels `task` and waits until it has ended (without raising its CancelledError)."""
    task.cancel()
    await asyncio.wait({task})


async def lossy_loop(queue, ticks, acks):
    received, tick = 0, asyncio.create_task(ticks.get())
    while True:
        reader = asyncio.create_task(read_two(queue))
        done, _ = await asyncio.wait({reader, tick}, return_when=asyncio.FIRST_COMPLETED)
        if reader in done:
            first, second = reader.result()
            received += (first is not None) + (second is not None)
            if second is None:
                break
        else:
            await cancelled(reader)  # what select! does to the loser: the message it holds goes too
        if tick in done:
            acks.put_nowait(None)
            tick = asyncio.create_task(ticks.get())
    await cancelled(tick)
    return received


async def safe_loop(queue, ticks, acks):
    received, tick = 0, asyncio.create_task(ticks.get())
    getter = asyncio.create_task(queue.get())  # kept across rounds, never cancelled
    while True:
        done, _ = await asyncio.wait({getter, tick}, return_when=asyncio.FIRST_COMPLETED)
        if getter in done:
            if getter.result() is None:
                break
            received += 1
            getter = asyncio.create_task(queue.get())
        if tick in done:
            acks.put_nowait(None)
            tick = asyncio.create_task(ticks.get())
    await cancelled(tick)
    return received


async def cancel_safety(messages, loop, tally):
    queue, ticks, acks = asyncio.Queue(), asyncio.Queue(), asyncio.Queue()
    t0 = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        sending = group.create_task(producer(messages, queue, ticks, acks))
        received = await loop(queue, ticks, acks)
    sent = sending.result()
    tally.span("the wait() loop", "loop", f"the loop: received {received} of {sent}, lost {sent - received}", t0)
    return sent, received


async def demo(unit, messages, trace):
    k = [unit, 2 * unit, 3 * unit]
    summary = {}
    print(f"1. asyncio.wait(FIRST_COMPLETED) over naps of {k[0]}, {k[1]} and {k[2]} ms")
    print("   a nap: a coroutine that sleeps, then returns its length in ms, run as a task. wait() returns")
    print("   at the first to finish and leaves the others running; the finally of a cancelled one is its cleanup.")
    summary.update(await first_of_three(unit, Tally(trace, "1 first of three: wait(FIRST_COMPLETED)")))
    print(f"\n2. asyncio.as_completed over {k[2]}, {k[0]}, {k[1]} ms: results in the order they finish")
    summary.update(await in_completion_order(unit, Tally(trace, "2 completion order: as_completed")))
    print(f"\n3. tasks of {k[0]}, {k[1]} and {k[2]} ms, no longer waited for after the first result")
    summary.update(await stop_waiting_for_the_tasks(unit, Tally(trace, "3 stop waiting: wait(), then look away")))
    print(f"\n4. a TaskGroup of {k[1]} ms, an error after {k[0]} ms, and {k[2]} ms")
    summary.update(await task_group_with_an_error(unit, Tally(trace, "4 first error: TaskGroup")))
    print("  and with asyncio.gather instead of the TaskGroup:")
    summary.update(await gather_with_an_error(unit, Tally(trace, "4b first error: gather")))
    print("\n5. cancel safety: a tick after every third message")
    print("   cancel safe: a task you may cancel mid-way without losing anything. A loop that waits for the")
    print("   first of a reader and a tick (a message on a second queue, as a timer's would be) and cancels")
    print("   the reader when the tick wins loses what the reader had taken: a reader of two in a row loses")
    print("   the first; a single get() kept pending across rounds, never cancelled, loses none.")
    sent, lossy = await cancel_safety(messages, lossy_loop, Tally(trace, "5 cancel safety: reads two in a row"))
    print(f"  a loop that reads two in a row: sent {sent} (messages), received {lossy}, lost {sent - lossy} (lossy_lost)")
    _, safe = await cancel_safety(messages, safe_loop, Tally(trace, "5 cancel safety: one get() kept pending"))
    print(f"  a loop that keeps one get() pending: sent {sent} (messages), received {safe}, lost {sent - safe} (safe_lost)")
    # The deliberate waits: parts 1, 3, 4 and gather's contrast wait 3.5 units each, part 2 three.
    ideal = 17 * unit / 1000
    summary.update(messages=sent, lossy_lost=sent - lossy, safe_lost=sent - safe, ideal_s=f"{ideal:.3f}")
    print()
    print(f"ideal_s {ideal:.3f}: the time the deliberate waits alone take: parts 1, 3, 4 and gather's contrast")
    print(f"  each wait 3.5 x {unit} ms (past the slowest nap's end, to count what finished), part 2 its")
    print(f"  slowest nap, 3 x {unit} ms; part 5 none")
    if trace.on:
        trace.write(trace.path)
        print(f"trace written to {trace.path} (open it in ui.perfetto.dev or vizviewer)")
    print("summary: " + " ".join(f"{key}={value}" for key, value in summary.items()))


def in_range(low, high):
    def parse(text):
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not in {low}..={high}")
        return value
    return parse


def main():
    parser = argparse.ArgumentParser(description="asyncio.wait, as_completed, TaskGroup, gather and cancel safety, measured")
    parser.add_argument("--delay-ms", type=in_range(20, 10_000), default=100,
                        help="the shortest sleep; the others take two and three times as long")
    parser.add_argument("--messages", type=in_range(3, 1_000_000), default=30,
                        help="messages sent to each cancel-safety loop; a tick follows every third")
    parser.add_argument("--trace", metavar="FILE",
                        help="write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer)")
    args = parser.parse_args()
    trace = Trace(on=args.trace is not None)
    trace.path = args.trace
    asyncio.run(demo(args.delay_ms, args.messages, trace))


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
