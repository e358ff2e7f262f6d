"""The Python side of async-iterators: `async for` over async generators, a class with
`__anext__`, and a producer task feeding an asyncio.Queue; laziness, backpressure, bounded
concurrency, and `async with`'s exit (asynccontextmanager) against a `__del__` that cannot
await. The same scenario and summary keys as the Rust demo, on one thread."""

import argparse
import asyncio
import threading
import time
from contextlib import asynccontextmanager


def positive(low, high):
    def parse(text):
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {low} to {high}")
        return value
    return parse


class Counter:
    """A hand-written async iterator: __anext__ is Rust's poll_next. Each step is counted."""

    def __init__(self, n, steps):
        self.i, self.n, self.steps = 0, n, steps

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.i >= self.n:
            raise StopAsyncIteration
        self.i += 1
        self.steps[0] += 1  # a step runs only here, when pulled
        return self.i


async def generator(n, steps):
    """An async generator: its body runs only when pulled (Rust: stream::unfold)."""
    for i in range(1, n + 1):
        steps[0] += 1
        yield i


def queue_stream(n, maxsize, steps, done, fair=False):
    """A producer task putting n items into an asyncio.Queue (maxsize 0: unbounded), read by
    an async generator. create_task runs it at the loop's next turn: eager."""
    queue = asyncio.Queue(maxsize)

    async def produce():
        for i in range(1, n + 1):
            await queue.put(i)  # waits only when the queue is full
            steps[0] += 1
            if fair:
                await asyncio.sleep(0)  # a fair producer gives others a turn
        done.append(time.perf_counter())
        await queue.put(None)

    task = asyncio.get_running_loop().create_task(produce())

    async def items():
        try:
            while (item := await queue.get()) is not None:
                yield item
        finally:
            task.cancel()  # the reader is gone (aclose): so is the producer

    return items()


async def laziness(buffer):
    hand, gen, chan = [0], [0], [0]
    streams = [Counter(100, hand), generator(100, gen), queue_stream(100, buffer, chan, [])]
    await asyncio.sleep(0)  # the loop has a turn: whatever is eager runs now
    before = [hand[0], gen[0], chan[0]]
    for s in streams:
        await anext(s)
    await asyncio.sleep(0)
    after = [hand[0], gen[0], chan[0]]
    for s in streams[1:]:
        await s.aclose()
    await asyncio.sleep(0)  # the cancelled producer ends
    return before, after


async def backpressure(items, buffer, trace, tracks, group):
    pulls = []
    for way in range(3):
        produced, done = [0], []
        start = time.perf_counter()
        if way == 0:
            async def pulled():
                for i in range(1, items + 1):
                    produced[0] += 1  # produced only when pulled
                    if i == items:
                        done.append(time.perf_counter())
                    yield i
            stream = pulled()
        else:
            stream = queue_stream(items, buffer if way == 1 else 0, produced, done, fair=way == 2)
        consumed = most = 0
        async for _ in stream:
            consumed += 1
            ahead = max(0, produced[0] - consumed)
            most = max(most, ahead)
            name = ["ahead: pulled", "ahead: bounded", "ahead: unbounded"][way]
            trace.counter(group, name, time.perf_counter(), ahead)
            await asyncio.sleep(0.001)  # the slow consumer
        end = done[0] if done else start
        trace.slice(tracks[way], "produces", f"{PULLS[way]}: producing", start, end)
        pulls.append((consumed, most, end - start, time.perf_counter() - start))
    return pulls


async def bounded_concurrently(aws, n):
    """Rust's buffer_unordered(n): at most n awaitables in flight, results as they finish."""
    pending, it = set(), iter(aws)
    for aw in it:
        pending.add(asyncio.ensure_future(aw))
        if len(pending) >= n:
            finished, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for f in finished:
                yield f.result()
    while pending:
        finished, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for f in finished:
            yield f.result()


async def flows(jobs, job_s, n, trace, seq_track, slots):
    state = {"now": 0, "most": 0}

    async def work(i, track):
        t0 = time.perf_counter()
        state["now"] += 1
        state["most"] = max(state["most"], state["now"])
        await asyncio.sleep(job_s)
        state["now"] -= 1
        if track is not None:
            trace.slice(track, "waits", f"job {i + 1}", t0, time.perf_counter())
        return i

    start = time.perf_counter()
    done = 0
    for i in range(jobs):  # one await at a time, like async for with an await inside
        await work(i, seq_track)
        done += 1
    seq = (time.perf_counter() - start, state["most"], done)
    state["most"] = 0
    start = time.perf_counter()
    done = 0
    async for _ in bounded_concurrently((work(i, slots[i] if i < len(slots) else None)
                                         for i in range(jobs)), n):
        done += 1
    return seq, (time.perf_counter() - start, state["most"], done)


class Conn:
    """A connection whose close must await (a flush). __del__ cannot await: the best it
    can do is hand the close to the loop, for later."""

    def __init__(self, counts):
        self.counts, self.open = counts, True

    async def close(self):
        await asyncio.sleep(0.005)
        self.counts["closed"] += 1
        self.open = False

    def __del__(self):
        if self.open:
            counts = self.counts
            counts["spawned"] += 1

            async def later():
                await asyncio.sleep(0.005)
                counts["done"] += 1
            try:
                asyncio.get_running_loop().create_task(later())
            except RuntimeError:
                pass


@asynccontextmanager
async def connection(counts):
    conn = Conn(counts)
    try:
        yield conn
    finally:
        await conn.close()  # async with's exit awaits the close, right here


def new_counts():
    return {"closed": 0, "spawned": 0, "done": 0}


async def closing(trace, tracks):
    c, t0 = new_counts(), time.perf_counter()
    async with connection(c):
        pass
    close_awaited = c["closed"]
    trace.slice(tracks[0], "closes", "async with: done at scope end", t0, time.perf_counter())
    d, t0 = new_counts(), time.perf_counter()
    conn = Conn(d)
    del conn  # __del__ runs now: it spawns the close
    at_exit = d["done"]
    await asyncio.sleep(0.02)
    trace.slice(tracks[1], "closes", "__del__: spawned, done later", t0, time.perf_counter())
    return close_awaited, d["spawned"], at_exit, d["done"]


def lost_at_loop_end():
    c = new_counts()

    async def scope():
        conn = Conn(c)
        del conn  # spawned; then asyncio.run ends and cancels it before it runs

    asyncio.run(scope())
    return c["spawned"], c["done"]


PULLS = ["pulled async generator", "bounded asyncio.Queue(maxsize)", "unbounded asyncio.Queue()"]
WAYS = ["class with __anext__", "async generator", "create_task -> Queue -> gen"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description="async iterators: lazy generators, backpressure, bounded concurrency, async with")
    parser.add_argument("--items", type=positive(10, 1_000_000), default=100,
                        help="items each producer makes for the slow consumer (10 to 1000000)")
    parser.add_argument("--buffer", type=positive(1, 10_000), default=8,
                        help="the bounded queue's maxsize (1 to 10000)")
    parser.add_argument("--jobs", type=positive(1, 100_000), default=16,
                        help="jobs the stream maps to async work (1 to 100000)")
    parser.add_argument("--job-ms", type=positive(1, 1000), default=20,
                        help="how long each job waits, in ms (1 to 1000)")
    parser.add_argument("--in-flight", type=positive(1, 10_000), default=4,
                        help="how many jobs run at once in the bounded way (1 to 10000)")
    parser.add_argument("--trace", metavar="FILE", help="write the run to FILE as a Chrome trace")
    args = parser.parse_args()
    trace = Trace(on=args.trace is not None)
    pulls_group = trace.group("backpressure")
    producers = [trace.track(pulls_group, p) for p in PULLS]
    jobs_group = trace.group("jobs")
    seq_track = trace.track(jobs_group, "sequential async for")
    slots = [trace.track(jobs_group, f"bounded job {i}") for i in range(1, 17)]
    close_group = trace.group("closing")
    close_tracks = [trace.track(close_group, n) for n in ("async with", "__del__ spawns")]

    async def parts():
        print(f"1. lazy until pulled: three async iterators of 100 items are made, the loop gets a "
              f"turn, then one anext()\n   (a step = one item the producer made; the queue's "
              f"maxsize is {args.buffer})")
        before, after = await laziness(args.buffer)
        print(f"   {'iterator':<38} {'steps before anext':>19} {'after first anext':>18}")
        for i, way in enumerate(WAYS):
            print(f"   {way:<38} {before[i]:>19} {after[i]:>18}")
        print("   (an async generator runs only when pulled; create_task runs at once, until "
              "the queue is full)\n")
        print(f"2. backpressure: {args.items} items to a consumer that takes 1 ms each (ahead = "
              f"produced but not yet consumed;\n   producer done = when the producer made its "
              f"last item; the bounded queue holds {args.buffer})")
        pulls = await backpressure(args.items, args.buffer, trace, producers, pulls_group)
        print(f"   {'producer':<32} {'consumed':>9} {'most ahead':>12} {'producer done':>17} "
              f"{'took':>10}")
        for way, (consumed, most, done, took) in zip(PULLS, pulls):
            print(f"   {way:<32} {consumed:>9} {most:>12} {done * 1e3:>14.1f} ms "
                  f"{took * 1e3:>7.1f} ms")
        print(f"   (pulled: 0 ahead; bounded: at most {args.buffer} ahead, put() waits; "
              "unbounded: put() never waits, items pile up)\n")
        print(f"3. {args.jobs} jobs of {args.job_ms} ms each: one await at a time against at "
              f"most {args.in_flight} in flight (asyncio.wait, FIRST_COMPLETED)\n   (in flight "
              "= jobs started and not yet done, at most, counted)")
        seq, unordered = await flows(args.jobs, args.job_ms / 1000, args.in_flight, trace,
                                     seq_track, slots)
        print(f"   {'way':<34} {'done':>6} {'in flight':>11} {'took':>10}")
        for way, (took, most, done) in (("sequential async for", seq),
                                        ("bounded, as completed", unordered)):
            print(f"   {way:<34} {done:>6} {most:>11} {took * 1e3:>7.1f} ms")
        speedup = seq[0] / max(unordered[0], 1e-6)
        print(f"   (all in ONE thread, one event loop; speedup {speedup:.1f}x)\n")
        print("4. async with's exit (asynccontextmanager) against __del__, which cannot await "
              "(a close = a 5 ms flush)")
        closed = await closing(trace, close_tracks)
        return before, after, pulls, seq, unordered, speedup, closed

    start = time.perf_counter()
    before, after, pulls, seq, unordered, speedup, closed = asyncio.run(parts())
    lost = lost_at_loop_end()
    close_awaited, spawned, at_exit, later = closed
    print(f"   {'how the connection ends':<44} {'closes':>8} {'done':>9}")
    for way, closes, done in (("async with: done at scope end", 1, close_awaited),
                              ("__del__ spawns the close: done at scope end", spawned, at_exit),
                              ("  ... and 20 ms later", spawned, later),
                              ("__del__ spawns, then the loop ends: done", lost[0], lost[1])):
        print(f"   {way:<44} {closes:>8} {done:>9}")
    print("   (Python's async with awaits its exit; __del__ cannot, like Rust's Drop)\n")
    if args.trace:
        trace.write(args.trace)
        print(f"trace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")
    items, job = pulls[0][0], args.job_ms / 1000
    ideal = 3 * items * 0.001 + job * args.jobs + job * -(-args.jobs // max(unordered[1], 1)) + 0.025
    del start
    keys = [("hand_before", before[0]), ("unfold_before", before[1]),
            ("channel_before", before[2]), ("hand_after", after[0]),
            ("pulled_ahead", pulls[0][1]), ("bounded_ahead", pulls[1][1]),
            ("unbounded_ahead", pulls[2][1]),
            ("bounded_producer_ms", f"{pulls[1][2] * 1e3:.0f}"),
            ("unbounded_producer_ms", f"{pulls[2][2] * 1e3:.0f}"),
            ("seq_ms", f"{seq[0] * 1e3:.0f}"), ("unordered_ms", f"{unordered[0] * 1e3:.0f}"),
            ("in_flight", unordered[1]), ("speedup", f"{speedup:.1f}"),
            ("close_awaited", close_awaited), ("drop_done_at_exit", at_exit),
            ("drop_lost", lost[0] - lost[1]), ("threads", threading.active_count()),
            ("ideal_s", f"{ideal:.3f}")]
    print("summary: " + " ".join(f"{k}={v}" for k, v in keys))


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
