#!/usr/bin/env python3
"""Gather, the Python side: N count() coroutines print "One", sleep, print "Two".

asyncio.gather runs them on one thread: all print One, all sleep at once, all print Two
about one delay later. --blocking makes the classic mistake, time.sleep inside the
coroutine, which stops the event loop: One Two One Two One Two, and N delays in all.

    python3 crates/gather/python/gather.py
    python3 crates/gather/python/gather.py --blocking
    python3 crates/gather/python/gather.py --count 100000

The last line is the same `summary:` line the Rust program prints.
"""

import argparse
import asyncio
import os
import sys
import threading
import time

ONE, TWO = 1, 2
NAMES = {ONE: "One", TWO: "Two"}


class EventLog:
    """One byte per event; a line printed live only when there are few coroutines."""

    def __init__(self, count, echo):
        self.words = bytearray()
        self.echo = echo
        self.count = count
        self.start = time.perf_counter()
        self.first_one = self.last_one = self.first_two = None
        self.main_thread = threading.get_ident()
        self.off_main_thread = 0
        self.recorder = None

    def record(self, word, ident):
        self.words.append(word)
        now = None
        if word == ONE and self.first_one is None:
            now = self.first_one = time.perf_counter()
        if word == ONE and len(self.words) == self.count:
            self.last_one = time.perf_counter()
        if word == TWO and self.first_two is None:
            now = self.first_two = time.perf_counter()
        if threading.get_ident() != self.main_thread:
            self.off_main_thread += 1
        if self.recorder is not None:
            self.recorder.record(word, ident)
        if self.echo:
            now = now or time.perf_counter()
            print(f"{NAMES[word]:<4} at {now - self.start:6.3f} s  (coroutine {ident})")


SAMPLE = 100  # the most coroutines drawn as tracks of their own


class Recorder:
    """--trace: the same lanes as the Rust demo. One track per count() coroutine (the first
    SAMPLE of them) with its sleep as a slice and One and Two as instants, a counter of the
    coroutines asleep (all of them), and the one thread's own phases."""

    def __init__(self, trace, count, delay_ms, blocking):
        if blocking:
            name = f"--blocking: {count} count()s, time.sleep inside, one thread"
        else:
            name = f"gather: {count} count()s joined on one thread"
        self.trace, self.count, self.delay_ms = trace, count, delay_ms
        self.group = trace.group(name)
        self.kind = "blocking sleep" if blocking else "sleep"
        self.lanes = [[trace.track(self.group, f"count #{i}"), None] for i in range(1, min(count, SAMPLE) + 1)]
        self.asleep = 0
        self.step = max(1, count // SAMPLE)
        if count > SAMPLE:
            trace.note(self.sample_note())

    def sample_note(self):
        return (f"a sample: only coroutines #1 to #{SAMPLE} of {self.count} have tracks of their own; "
                f"the counter 'coroutines asleep' covers all {self.count}")

    def record(self, word, ident):
        self.asleep += 1 if word == ONE else -1
        sampled = ident <= SAMPLE
        on_counter = self.count <= SAMPLE or self.asleep % self.step == 0 or self.asleep in (0, self.count)
        if not sampled and not on_counter:
            return
        now = time.perf_counter()
        if on_counter:
            self.trace.counter(self.group, "coroutines asleep", now, self.asleep)
        if not sampled:
            return
        lane = self.lanes[ident - 1]
        self.trace.instant(lane[0], NAMES[word], now)
        if word == ONE:
            lane[1] = now
        else:
            self.trace.slice(lane[0], self.kind, f"count #{ident}: sleep {self.delay_ms} ms", lane[1], now)

    def thread_phases(self, start, log, end):
        thread = self.trace.track(self.group, "the one thread")
        first_one, last_one, first_two = (t or start for t in (log.first_one, log.last_one, log.first_two))
        for kind, name, t0, t1 in [("work", "build the join", start, first_one),
                                   ("work", "poll each: One, arm its timer", first_one, last_one),
                                   ("idle", "nothing to run: all asleep", last_one, first_two),
                                   ("work", "wake each: Two, free it", first_two, end)]:
            if t1 > t0:
                self.trace.slice(thread, kind, name, t0, t1)
        self.trace.counter(self.group, "coroutines asleep", end, 0)


async def count(ident, delay, log):
    log.record(ONE, ident)
    await asyncio.sleep(delay)  # hands the loop to the others while this one waits
    log.record(TWO, ident)


async def count_blocking(ident, delay, log):
    log.record(ONE, ident)
    time.sleep(delay)  # the mistake: the whole loop stops here
    log.record(TWO, ident)


async def gather_all(coroutine, n, delay, log):
    await asyncio.gather(*(coroutine(i, delay, log) for i in range(1, n + 1)))


def run_lengths(words):
    runs = []
    for w in words:
        if runs and runs[-1][0] == w:
            runs[-1][1] += 1
        else:
            runs.append([w, 1])
    return runs


def describe_runs(runs, shown=6):
    parts = [f"{NAMES[w]} x{n}" for w, n in runs[:shown]]
    if len(runs) > shown:
        parts.append(f"... ({len(runs)} runs in all)")
    return ", then ".join(parts)


def is_gathered(words, n):
    return len(words) == 2 * n and words[:n] == bytes([ONE]) * n and words[n:] == bytes([TWO]) * n


def is_alternating(words, n):
    return len(words) == 2 * n and words == bytes([ONE, TWO]) * n


def in_range(low, high):
    def parse(text):
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not in {low}..={high}")
        return value
    return parse


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
    p = argparse.ArgumentParser(description="asyncio.gather: N coroutines sleeping at once on one thread.")
    p.add_argument("--count", type=in_range(1, 10_000_000), default=3, help="how many count() coroutines to run together (at most 10,000,000)")
    p.add_argument("--delay-ms", type=in_range(1, 3_600_000), default=1000, help="how long each sleeps, in milliseconds (at most an hour)")
    p.add_argument("--blocking", action="store_true", help="the mistake: time.sleep inside the coroutine")
    p.add_argument("--show", type=int, default=10, help="print each line live when count is at most this")
    p.add_argument("--trace", metavar="FILE",
                   help="write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer); "
                        f"above {SAMPLE} coroutines, only the first {SAMPLE} get tracks of their own")
    args = p.parse_args()

    delay = args.delay_ms / 1000
    mode = "blocking" if args.blocking else "gather"
    print(f"{mode}: {args.count} count() coroutine(s), each sleeping {args.delay_ms} ms, on one thread")

    log = EventLog(args.count, args.count <= args.show)
    trace = Trace(on=args.trace is not None)
    if trace.on:
        log.recorder = Recorder(trace, args.count, args.delay_ms, args.blocking)
    start = time.perf_counter()
    log.start = start
    coroutine = count_blocking if args.blocking else count
    asyncio.run(gather_all(coroutine, args.count, delay, log))
    end = time.perf_counter()
    elapsed = end - start
    if trace.on and not args.blocking:
        log.recorder.thread_phases(start, log, end)

    words = bytes(log.words)
    order_ok = is_alternating(words, args.count) if args.blocking else is_gathered(words, args.count)
    print(f"order observed: {describe_runs(run_lengths(words))}")
    ideal = delay * args.count if args.blocking else delay
    ratio = elapsed / ideal
    if not args.blocking and args.count > args.show:
        per = lambda s: s * 1e9 / args.count  # noqa: E731
        t = lambda m: (m or start) - start  # noqa: E731
        print("timeline (measured from the start, one thread):")
        print(f"  {0:7.3f} s  start")
        print(f"  {t(log.first_one):7.3f} s  first One       building the tasks: {per(t(log.first_one)):.0f} ns per coroutine")
        print(f"  {t(log.last_one):7.3f} s  all started     One printed, timer armed: "
              f"{per(t(log.last_one) - t(log.first_one)):.0f} ns per coroutine")
        print(f"  {t(log.first_two):7.3f} s  first Two       the first timer fired")
        due = t(log.last_one) + delay
        print(f"  {due:7.3f} s  last timer due  all started + {args.delay_ms} ms")
        print(f"  {elapsed:7.3f} s  all done        woken, Two, freed: "
              f"{per(max(0.0, elapsed - due)):.0f} ns per coroutine after the last was due")
    print(f"{os.path.basename(__file__)} executed in {elapsed:0.2f} seconds.")
    slept = delay * args.count
    if args.blocking:
        print(f"why: time.sleep blocks the only thread; the coroutine never reaches an await, so the loop "
              f"cannot switch: {args.count} x {args.delay_ms} ms = {slept:.2f} s of sleeping took {elapsed:.2f} s. "
              f"Use await asyncio.sleep().")
    else:
        print(f"why: each coroutine awaited asyncio.sleep and handed the loop back, so the sleeps overlapped: "
              f"{args.count} x {args.delay_ms} ms = {slept:.2f} s of sleeping took {elapsed:.2f} s.")
    probe = count(0, delay, log)
    future_bytes = sys.getsizeof(probe)  # the coroutine object, frame included
    probe.close()
    one_thread = log.off_main_thread == 0
    # Beyond the ideal, per coroutine: only where the count makes it their own cost.
    overhead_ns = None
    if not args.blocking and args.count >= PER_COROUTINE_FROM:
        overhead_ns = max(0.0, elapsed - ideal) * 1e9 / args.count
    print_figures(args, mode, elapsed, ideal, ratio, order_ok, one_thread, future_bytes, overhead_ns)

    if trace.on:
        if args.count > SAMPLE:
            print(f"trace: {log.recorder.sample_note()}")
        if not write_trace(trace, args.trace):
            return 1
    per = "" if overhead_ns is None else f" overhead_ns_per_coroutine={overhead_ns:.0f}"
    print(
        f"summary: count={args.count} delay_ms={args.delay_ms} mode={mode} elapsed_s={elapsed:.3f} "
        f"ratio={ratio:.3f} order_ok={str(order_ok).lower()} one_thread={str(one_thread).lower()} "
        f"future_bytes={future_bytes}{per} ideal_s={ideal:.3f}"
    )


# From this many coroutines on, the time beyond the one delay is mostly the loop's work on
# each of them, not the 1-2 ms a timer fires late: only then is it divided per coroutine.
PER_COROUTINE_FROM = 10_000


def print_figures(args, mode, elapsed, ideal, ratio, order_ok, one_thread, future_bytes, overhead_ns):
    """The figures of the summary line, each under its key, with its unit and meaning."""
    n, ms = args.count, args.delay_ms
    if args.blocking:
        waits = f"the waits alone: the {n} sleeps queue up, {n} x {ms} ms"
        order = f"One, Two, coroutine after coroutine ({n} times), as blocked ones print"
        how = "the mistake: time.sleep inside each coroutine (--blocking)"
    else:
        waits = f"the waits alone: the {n} sleeps overlap, so one {ms} ms"
        order = f"One x{n}, then Two x{n}, as gathered coroutines print"
        how = "await asyncio.sleep, joined by asyncio.gather"
    rows = [
        ("count", str(n), "count() coroutines gathered (--count)"),
        ("delay_ms", f"{ms} ms", "what each sleeps between One and Two (--delay-ms)"),
        ("mode", mode, how),
        ("elapsed_s", f"{elapsed:.3f} s", "the whole asyncio.run(), as the notes time it"),
        ("ideal_s", f"{ideal:.3f} s", waits),
        ("ratio", f"{ratio:.3f}", "elapsed_s / ideal_s, no unit: 1.0 means the waits alone took the time"),
        ("order_ok", str(order_ok).lower(), order),
        ("one_thread", str(one_thread).lower(), "every One and Two ran on the main thread"),
        ("future_bytes", f"{future_bytes} B", "one paused count() coroutine object, its frame included (sys.getsizeof)"),
    ]
    print("the figures (keys of the summary line):")
    for key, value, meaning in rows:
        print(f"  {key:<13} {value:>9}   {meaning}")
    beyond_ms = max(0.0, elapsed - ideal) * 1e3
    if overhead_ns is not None:
        print(f"  overhead_ns_per_coroutine = {overhead_ns:.0f} ns: the {beyond_ms:.1f} ms beyond ideal_s, "
              f"divided by {n}: the loop's own work on each coroutine (the timeline above)")
    else:
        late = ("each time.sleep ends when the OS wakes the thread, a little after its deadline" if args.blocking
                else "the loop waits for its next timer in whole milliseconds, rounded up, then the OS wakes it")
        print(f"  the {beyond_ms:.1f} ms beyond ideal_s is start-up and timer slack, not a cost per coroutine: {late}. "
              f"(From --count {PER_COROUTINE_FROM} on, without --blocking, it is mostly work on each coroutine, "
              f"and the run reports overhead_ns_per_coroutine.)")


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
