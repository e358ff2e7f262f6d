"""The Python side of queue-backpressure: realpython's asyncq, measured.

A producer of N items and consumers that take a set time per item, joined by an
asyncio.Queue: bounded (maxsize=8: `await queue.put()` waits while it is full) against
unbounded (put never waits). Measured: the most items waiting, the memory they hold
(tracemalloc's peak, switched on for those two runs only), when the producer finished,
and that every item was consumed exactly once. The consumers call task_done(); the main
coroutine awaits queue.join() and then cancels them, the usual asyncio shutdown before
3.13's queue.shutdown() (the Rust side needs neither: dropping the sender ends its
consumers). Last, items per second through one bounded queue with no work. Standard
library only, one thread.
"""

import argparse
import asyncio
import math
import sys
import time
import tracemalloc
from array import array

SAMPLE_ITEMS = 2_000  # the items whose sends and work are drawn as slices
EVERY_LEVEL = 20_000  # up to this many items, the counter records every change


class Ledger:
    def __init__(self, items, traced=False):
        self.most_waiting = 0
        self.times_consumed = [0] * items
        self.producer_done = None
        # --trace: when each item was sent, taken and done, and by which consumer, kept in
        # arrays allocated here, before tracemalloc starts, so the trace changes no figure.
        self.traced = traced
        size = items if traced else 0
        self.sent_at, self.taken_at, self.done_at = (array("d", bytes(8 * size)) for _ in range(3))
        self.taken_by = array("q", bytes(8 * size))
        self.start = 0.0


def draw(trace, name, ledger, consumers):
    """The run as the Rust side draws it: the producer's sends, each consumer's items,
    the items waiting, computed from the ledger's times once the run is over."""
    group = trace.group(name)
    producer = trace.track(group, "producer")
    lanes = [trace.track(group, f"consumer #{c}") for c in range(1, consumers + 1)]
    items = len(ledger.sent_at)
    for i in range(min(items, SAMPLE_ITEMS)):
        trace.slice(producer, "send", f"send item #{i}", ledger.sent_at[i - 1] if i else ledger.start,
                    ledger.sent_at[i])
        trace.slice(lanes[ledger.taken_by[i]], "work", f"item #{i}", ledger.taken_at[i], ledger.done_at[i])
    trace.instant(producer, "producer done", ledger.producer_done)
    # Items waiting: sends so far minus takes so far (a take never comes before its send).
    edges = sorted([(t, 1) for t in ledger.sent_at] + [(t, -1) for t in ledger.taken_at],
                   key=lambda e: (e[0], -e[1]))
    step = 1 if items <= EVERY_LEVEL else items // 1000
    waiting = 0
    for t, change in edges:
        waiting += change
        if waiting % step == 0:
            trace.counter(group, "items waiting", t, waiting)


async def run_queue(queue, args, ledger):
    async def producer():
        for i in range(args.items):
            await queue.put((i, bytes([7]) * args.item_bytes))  # waits while the queue is full
            ledger.most_waiting = max(ledger.most_waiting, queue.qsize())
            if ledger.traced:
                ledger.sent_at[i] = time.perf_counter()
        ledger.producer_done = time.perf_counter()

    async def consumer(me):
        while True:
            i, payload = await queue.get()
            ledger.times_consumed[i] += 1
            if ledger.traced:
                ledger.taken_at[i], ledger.taken_by[i] = time.perf_counter(), me
            await asyncio.sleep(args.work_ms / 1000)  # sleep(0) is a bare yield
            if ledger.traced:
                ledger.done_at[i] = time.perf_counter()
            queue.task_done()

    async with asyncio.TaskGroup() as group:  # holds the consumers until they have ended
        consumers = [group.create_task(consumer(c)) for c in range(args.consumers)]
        await producer()
        await queue.join()  # every item taken and marked done
        for c in consumers:
            c.cancel()  # they wait in get() forever otherwise


async def measured(name, queue, args, trace):
    ledger = Ledger(args.items, traced=trace.on)
    tracemalloc.start()
    start = ledger.start = time.perf_counter()
    await run_queue(queue, args, ledger)
    consumers = time.perf_counter() - start
    heap = tracemalloc.get_traced_memory()[1]  # the peak since start()
    tracemalloc.stop()
    producer = ledger.producer_done - start
    once = all(n == 1 for n in ledger.times_consumed)
    if trace.on:
        draw(trace, name, ledger, args.consumers)
    ideal = args.work_ms / 1000 * math.ceil(args.items / args.consumers)
    print(f"  {name:<13} {ledger.most_waiting:>9} {heap:>12} B {producer:>13.3f} s {consumers:>14.3f} s "
          f"{producer / max(consumers, 1e-9):>16.3f} {ratio(consumers, ideal):>7} {str(once).lower():>15}")
    return ledger.most_waiting, heap, producer / max(consumers, 1e-9), consumers, once


def ratio(took, ideal):
    """`took` against `ideal`, in times; "nan" with no work to wait for."""
    return f"{took / ideal:.3f}" if ideal else "nan"


async def throughput(items, capacity):
    queue = asyncio.Queue(maxsize=capacity)

    async def producer():
        for i in range(items):
            await queue.put(i)

    async def consumer():
        for _ in range(items):
            await queue.get()

    start = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        group.create_task(producer())
        group.create_task(consumer())
    return items / (time.perf_counter() - start)


async def main_async(args):
    print(f"{args.items} items of {args.item_bytes} B; {args.consumers} consumers, each working "
          f"{args.work_ms} ms on an item (work_ms); the bounded queue's capacity {args.capacity}; one thread")
    print(f"  {'queue':<13} {'waiting':>9} {'heap_bytes':>14} {'producer done':>15} {'consumers done':>16} "
          f"{'producer_share':>16} {'ratio':>7} {'consumed_once':>15}")
    trace = Trace(on=args.trace is not None)
    b = await measured(f"bounded ({args.capacity})", asyncio.Queue(maxsize=args.capacity), args, trace)
    u = await measured("unbounded", asyncio.Queue(), args, trace)
    items_per_s = await throughput(args.throughput_items, args.capacity)
    if trace.on:
        if args.items > SAMPLE_ITEMS:
            levels = (f"every {args.items // 1000}th level of 'items waiting'" if args.items > EVERY_LEVEL
                      else "every level of 'items waiting'")
            note = f"a sample: the sends and work of items #0 to #{SAMPLE_ITEMS - 1} of {args.items}, and {levels}"
            trace.note(note)
            print(f"trace: {note}")
        try:
            trace.write(args.trace)
        except OSError as error:
            print(f"error: cannot write the trace to {args.trace} ({error.strerror}); check that its folder exists",
                  file=sys.stderr)
            return 1
        print(f"trace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")
    ideal = args.work_ms / 1000 * math.ceil(args.items / args.consumers)
    both = ratio(b[3] + u[3], 2 * ideal)
    explain(args, b, u, ideal, both, items_per_s)
    print(f"summary: items={args.items} consumers={args.consumers} capacity={args.capacity} "
          f"work_ms={args.work_ms} waiting_bounded={b[0]} "
          f"waiting_unbounded={u[0]} heap_bytes_bounded={b[1]} heap_bytes_unbounded={u[1]} "
          f"producer_share_bounded={b[2]:.3f} producer_share_unbounded={u[2]:.3f} "
          f"ratio={both} consumed_once={str(b[4] and u[4]).lower()} items_per_s={items_per_s:.0f} "
          f"ideal_s={2 * ideal:.3f}")


def explain(args, b, u, ideal, both, items_per_s):
    """What each column means, from this run's figures: said once, under the table."""
    print("waiting: the most items in the queue at once, put and not yet taken, queue.qsize() "
          "(summary: waiting_bounded, waiting_unbounded). heap_bytes: the most memory Python "
          "allocated during the run, tracemalloc's peak, payloads and queue alike (heap_bytes_<queue>)")
    print(f"producer_share: when the producer put its last item, as a share of the run (producer done / "
          f"consumers done, 0 to 1; producer_share_<queue>): bounded {b[2]:.3f}, unbounded {u[2]:.3f}. "
          "Near 1, the producer was held back until near the end; near 0, it was done at once and the "
          "items waited. consumed_once: each item taken by exactly one consumer, in both queues")
    if ideal:
        per = math.ceil(args.items / args.consumers)
        late_ms = max(0.0, b[3] + u[3] - 2 * ideal) * 1e3 / (2 * per)
        print(f"ideal_s = {2 * ideal:.3f} s: the consumers' waits alone, {args.items} items / "
              f"{args.consumers} consumers = {per} x {args.work_ms} ms = {ideal:.3f} s a queue, for two "
              f"queues. ratio: consumers done / that {ideal:.3f} s, in times, no unit (the summary's ratio: "
              f"both queues' time over ideal_s, {both}). Beyond 1.0: the event loop waits for its next "
              "timer in whole milliseconds, rounded up, then does its own work; "
              f"here {late_ms:.2f} ms a sleep")
    else:
        print("ideal_s = 0.000: with --work-ms 0 nothing waits on purpose, so there is no ideal to "
              "compare against: ratio is nan")
    print(f"items_per_s: {items_per_s:.0f} items a second through one asyncio.Queue(maxsize={args.capacity}), "
          f"one producer, one consumer, no work ({args.throughput_items} items)")


def main():
    parser = argparse.ArgumentParser(description="A bounded queue against an unbounded one")
    parser.add_argument("--items", type=int, default=200, help="how many items the producer makes")
    parser.add_argument("--consumers", type=int, default=4, help="how many consumers")
    parser.add_argument("--capacity", type=int, default=8, help="the bounded queue's maxsize")
    parser.add_argument("--work-ms", type=int, default=10, help="a consumer's time per item, ms")
    parser.add_argument("--item-bytes", type=int, default=100, help="payload bytes per item")
    parser.add_argument("--throughput-items", type=int, default=100_000,
                        help="items to time through one bounded queue with no work")
    parser.add_argument("--trace", metavar="FILE",
                        help="write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer)")
    args = parser.parse_args()
    if not (1 <= args.items <= 5_000_000 and 1 <= args.consumers <= 64 and args.capacity >= 1
            and 0 <= args.work_ms <= 1000 and 0 <= args.item_bytes <= 65536
            and args.throughput_items >= 1):
        parser.error("a value is out of range (see --help)")
    if args.capacity + args.consumers >= args.items:
        parser.error("--capacity plus --consumers must be below --items, or the bounded queue never fills")
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
