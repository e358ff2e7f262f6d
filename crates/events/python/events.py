"""The Python side of events: asyncio.Event, Condition and Barrier, on one thread. One
Event.set() releases every waiter (counted, with how long each took to run). The lost
wake-up: Condition.notify_all() before anyone waits wakes nobody (an edge); a Semaphore's
release() is kept for one latecomer (a permit); Event.set() stays set for all (a level).
The latest value: asyncio has no watch channel; a value and an Event stand in for one.
A Barrier of N releases all N at once, however spread out they arrive."""

import argparse
import asyncio
import os
import threading
import time


def os_threads():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return threading.active_count()


async def one_event_many_waiters(n, trace, tracks):
    event, woke = asyncio.Event(), []

    async def waiter(i):
        since = time.perf_counter()
        await event.wait()  # waits here until the event
        at = time.perf_counter()
        woke.append(at)
        if i < len(tracks):
            trace.slice(tracks[i], "waits", "waits for the event", since, at)
            trace.instant(tracks[i], "released", at)

    async with asyncio.TaskGroup() as group:
        for i in range(n):
            group.create_task(waiter(i))
        await asyncio.sleep(0.020)  # every task runs up to its await, and waits
        signalled = time.perf_counter()
        event.set()  # wakes every task waiting
    return signalled, woke


async def latecomers(late, wait, trace, tracks):
    edge = asyncio.Condition()
    async with edge:
        edge.notify_all()  # before anyone waits: lost
    permit = asyncio.Semaphore(0)
    permit.release()  # kept, for one
    level = asyncio.Event()
    level.set()  # stays set for whoever looks

    async def woke(awaitable):
        try:
            await asyncio.wait_for(awaitable, wait)
            return True
        except TimeoutError:
            return False

    async def on_edge():
        async with edge:
            await edge.wait()

    async def one(i):
        since = time.perf_counter()
        e, p, l = await asyncio.gather(woke(on_edge()), woke(permit.acquire()), woke(level.wait()))
        if i < len(tracks):
            words = lambda w: "woke" if w else "missed"  # noqa: E731
            trace.slice(tracks[i], "waits", f"notify_all: {words(e)}, semaphore: {words(p)}, "
                        f"event: {words(l)}", since, time.perf_counter())
        return e, p, l

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(one(i)) for i in range(late)]
    results = [t.result() for t in tasks]
    return tuple(sum(r[k] for r in results) for k in range(3))


async def latest_value(updates, trace, group, reader_track):
    """A value and an Event, a stand-in for tokio's watch: the writer overwrites the value
    and sets the event; a reader that takes 1 ms per value sees only some, and the last."""
    box = {"value": 0, "closed": False}
    changed = asyncio.Event()

    async def reader():
        seen = last = 0
        while True:
            await changed.wait()
            changed.clear()
            if box["closed"] and box["value"] == last:
                return seen, last
            last = box["value"]  # the newest value; those before it are gone
            seen += 1
            now = time.perf_counter()
            trace.instant(reader_track, f"sees {last}", now)
            trace.counter(group, "value seen", now, last)
            await asyncio.sleep(0.001)  # a slow reader

    task = asyncio.create_task(reader())
    start = time.perf_counter()
    for value in range(1, updates + 1):
        box["value"] = value  # overwrites; never waits for the reader
        changed.set()
        if value % 64 == 0:
            await asyncio.sleep(0)  # let the reader run now and then
    sent_in = time.perf_counter() - start
    await asyncio.sleep(0.005)  # the reader takes the last value
    box["closed"] = True
    changed.set()
    seen, last = await task
    return seen, last, sent_in


async def meet_at_a_barrier(n, stagger, trace, tracks):
    barrier = asyncio.Barrier(n)
    start = time.perf_counter()
    each = []

    async def party(i):
        await asyncio.sleep(stagger * i)  # party i arrives i x stagger after the first
        arrived = time.perf_counter()
        index = await barrier.wait()  # waits for the last one
        released = time.perf_counter()
        if i < len(tracks):
            track = tracks[i]
            trace.slice(track, "works", "on its way", start, arrived)
            trace.slice(track, "waits", "waits at the barrier", arrived, released)
        each.append((arrived, released, index == 0))

    async with asyncio.TaskGroup() as g:
        for i in range(n):
            g.create_task(party(i))
    return each


async def demo(args, trace):
    groups = [trace.group(n) for n in
              ("one event, many waiters", "latecomers", "the latest value", "a barrier")]
    waiters = [trace.track(groups[0], f"waiter {i + 1}") for i in range(min(args.waiters, 20))]
    late_tracks = [trace.track(groups[1], f"latecomer {i + 1}") for i in range(min(args.late, 5))]
    reader = trace.track(groups[2], "reader")
    parties = [trace.track(groups[3], f"party {i + 1}") for i in range(min(args.parties, 20))]
    if args.waiters > 20 or args.late > 5 or args.parties > 20:
        trace.note("only the first 20 waiters and parties, and 5 latecomers, are drawn")
    print(f"1. one event, {args.waiters} waiters (asyncio.Event): {args.waiters} tasks await "
          "event.wait(); one event.set() wakes them")
    signalled, woke = await one_event_many_waiters(args.waiters, trace, waiters)
    lat = sorted(w - signalled for w in woke)
    pick = lambda q: lat[int((len(lat) - 1) * q)] * 1e3 if lat else 0.0  # noqa: E731
    print(f"   released: {len(woke)} of {args.waiters}; each ran this long after the signal: first "
          f"{pick(0):.3f} ms, median {pick(0.5):.3f} ms, last {pick(1):.3f} ms\n   (one thread "
          "runs them one after another: the last one waits for all the others)\n")
    wait = args.wait_ms / 1000
    print(f"2. the lost wake-up: the event is signalled first, then {args.late} tasks come to wait "
          f"for it, each up to {args.wait_ms} ms")
    edge, permit, level = await latecomers(args.late, wait, trace, late_tracks)
    print(f"   {'signalled before anyone waited, with':<42} {'woke':<10} kind")
    for way, n, kind in (("Condition.notify_all()", edge, "an edge: only those already waiting"),
                         ("Semaphore(0).release()", permit, "a stored permit, for one"),
                         ("Event.set()", level, "a level: it stays set")):
        print(f"   {way:<42} {f'{n} of {args.late}':<10} {kind}")
    print()
    print(f"3. the latest value (a value and an Event): {args.updates} values sent as fast as "
          "possible, to a reader that takes 1 ms per value")
    seen, last, sent_in = await latest_value(args.updates, trace, groups[2], reader)
    print(f"   sent {args.updates} in {sent_in * 1e3:.2f} ms; the reader saw {seen} of them, and the "
          f"last one it saw was {last} (the last sent: {args.updates})\n")
    stagger = args.stagger_ms / 1000
    print(f"4. a barrier of {args.parties} (asyncio.Barrier): party i arrives i x {args.stagger_ms} "
          "ms after the first")
    each = await meet_at_a_barrier(args.parties, stagger, trace, parties)
    arrive = (max(e[0] for e in each) - min(e[0] for e in each)) * 1e3
    release = (max(e[1] for e in each) - min(e[1] for e in each)) * 1e3
    leaders = sum(e[2] for e in each)
    print(f"   arrivals spread over {arrive:.1f} ms; releases over {release:.3f} ms: all at once, "
          f"when the last arrived; leaders: {leaders}\n")
    return {"released": len(woke), "release_ms": pick(1), "edge": edge, "permit": permit,
            "level": level, "seen": seen, "last": last, "arrive": arrive, "release": release,
            "leaders": leaders, "threads": os_threads()}


def main() -> int:
    parser = argparse.ArgumentParser(
        description="asyncio.Event, Condition and Barrier: one event, many waiters; lost "
                    "wake-ups; the latest value")
    for flag, default, low, high, help_ in (
            ("--waiters", 100, 1, 100000, "how many tasks wait for the one event"),
            ("--late", 10, 1, 10000, "how many tasks come to wait after the event was signalled"),
            ("--wait-ms", 100, 10, 10000, "how long a latecomer waits before it counts as missed"),
            ("--updates", 1000, 1, 10000000, "how many values the writer sends, as fast as it can"),
            ("--parties", 5, 2, 10000, "how many tasks meet at the barrier"),
            ("--stagger-ms", 50, 1, 10000, "how far apart the parties arrive, in ms")):
        parser.add_argument(flag, type=int, default=default, help=f"{help_} ({low} to {high})")
    parser.add_argument("--trace", metavar="FILE", help="write the run to FILE as a Chrome trace")
    args = parser.parse_args()
    for flag, low, high in (("waiters", 1, 100000), ("late", 1, 10000), ("wait_ms", 10, 10000),
                            ("updates", 1, 10000000), ("parties", 2, 10000),
                            ("stagger_ms", 1, 10000)):
        if not low <= getattr(args, flag) <= high:
            parser.error(f"--{flag.replace('_', '-')} must be between {low} and {high}")
    trace = Trace(on=args.trace is not None)
    s = asyncio.run(demo(args, trace))
    if args.trace:
        trace.write(args.trace)
        print(f"trace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")
    ideal = 0.020 + args.wait_ms / 1000 + args.stagger_ms / 1000 * (args.parties - 1)
    print(f"summary: waiters={args.waiters} released={s['released']} release_ms={s['release_ms']:.3f} "
          f"edge_woke={s['edge']} permit_woke={s['permit']} level_woke={s['level']} "
          f"sent={args.updates} seen={s['seen']} latest_ok={'yes' if s['last'] == args.updates else 'no'} "
          f"parties={args.parties} arrive_spread_ms={s['arrive']:.1f} "
          f"release_spread_ms={s['release']:.3f} leaders={s['leaders']} threads={s['threads']} "
          f"ideal_s={ideal:.3f}")
    return 0


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
