"""Concurrency vs parallelism, the Python side: the same two cakes.

Each cake is a few steps of mixing (pure-Python arithmetic, so it holds the GIL) and then
time in the oven (a sleep). Kitchens:
  sequential  one cake after the other, on one thread
  one baker   both cakes on one thread with asyncio, switching whenever a cake is in the oven
  two bakers  one threading.Thread per cake: the twin of the Rust version's two threads; in
              CPython the GIL lets only one of them mix at a time
  two procs   one multiprocessing.Process per cake: how Python gets two cores
Part two bakes with one baker and with two bakers again, this thread and the threads it
starts pinned to one core with os.sched_setaffinity (Linux).

Run it:  python3 concurrency-vs-parallelism.py [--work-ms 150 --oven-ms 100 --steps 3]
The last line, `summary: ...`, carries the same keys as the Rust program, plus the process
kitchen's figures.
"""

import argparse
import asyncio
import math
import multiprocessing
import os
import signal
import sys
import threading
import time

MASK = (1 << 64) - 1


def mix(dough, strokes):
    """Mixing: a chain of multiply, add and shift on 64-bit values; each stroke needs the
    one before, and the final dough is compared across kitchens."""
    for stroke in range(strokes):
        dough = (dough * 6364136223846793005 + (stroke | 1)) & MASK
        dough ^= dough >> 29
    return dough


def strokes_per_ms():
    """Strokes per millisecond of this thread's CPU time, so a busy machine does not skew it."""
    mix(1, 50_000)  # warm up
    start, strokes, dough = time.thread_time(), 0, 1
    while time.thread_time() - start < 0.1:
        dough = mix(dough, 2_000)
        strokes += 2_000
    return max(1, int(strokes / ((time.thread_time() - start) * 1000)))


def first_dough(cake):
    return 0x9E3779B97F4A7C15 ^ cake


def mix_and_record(dough, strokes, opened, spans):
    """Mixes, and records when (wall clock) and how much CPU this thread spent doing it."""
    start, cpu = time.monotonic() - opened, time.thread_time()
    dough = mix(dough, strokes)
    spans.append(("mix", start, time.monotonic() - opened, time.thread_time() - cpu))
    return dough


def bake_blocking(cake, steps, strokes, oven_s, opened):
    """One cake on the calling thread (or process); the oven blocks it. Times are taken with
    time.monotonic(), one clock for every thread and process on the machine."""
    spans, dough = [], first_dough(cake)
    for _ in range(steps):
        dough = mix_and_record(dough, strokes, opened, spans)
        start = time.monotonic() - opened
        time.sleep(oven_s)
        spans.append(("oven", start, time.monotonic() - opened, 0.0))
    return spans, dough, threading.get_ident(), os.getpid()


async def bake_async(cake, steps, strokes, oven_s, opened):
    """The same cake, but the oven is awaited, so the one thread can mix the other cake."""
    spans, dough = [], first_dough(cake)
    for _ in range(steps):
        dough = mix_and_record(dough, strokes, opened, spans)
        start = time.monotonic() - opened
        await asyncio.sleep(oven_s)
        spans.append(("oven", start, time.monotonic() - opened, 0.0))
    return spans, dough, threading.get_ident(), os.getpid()


def allowed_cores():
    """The cores this thread (and the threads and processes it starts) may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def sequential(recipe):
    opened = time.monotonic()
    cakes = [bake_blocking(c, *recipe, opened) for c in (0, 1)]
    return "sequential", time.monotonic() - opened, cakes, opened, allowed_cores()


def one_baker(recipe):
    async def both(opened):
        async with asyncio.TaskGroup() as baker:  # both cakes on the one event loop
            cakes = [baker.create_task(bake_async(c, *recipe, opened)) for c in (0, 1)]
        return [cake.result() for cake in cakes]

    opened = time.monotonic()
    cakes = asyncio.run(both(opened))
    return "one baker", time.monotonic() - opened, list(cakes), opened, allowed_cores()


def two_bakers(recipe):
    opened = time.monotonic()
    cakes = [None, None]

    def baker(c):
        cakes[c] = bake_blocking(c, *recipe, opened)

    threads = [threading.Thread(target=baker, args=(c,), name=f"baker-{c + 1}") for c in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return "two bakers", time.monotonic() - opened, cakes, opened, allowed_cores()


def _bake_in_process(cake, recipe, opened, queue):
    # Ctrl-C reaches the whole process group; the parent acts on it (its daemon children
    # end with it), so the baker does not print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    queue.put((cake, bake_blocking(cake, *recipe, opened)))


def two_processes(recipe):
    opened = time.monotonic()
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_bake_in_process, args=(c, recipe, opened, queue), daemon=True) for c in (0, 1)]
    for p in procs:
        p.start()
    cakes = [None, None]
    for _ in procs:
        cake, result = queue.get()
        cakes[cake] = result
    for p in procs:
        p.join()
    return "two procs", time.monotonic() - opened, cakes, opened, allowed_cores()


def on_one_core(recipe):
    """Part two: one baker and two bakers with this thread pinned to the first core it may
    use (the threads it starts inherit that), then its old cores back. Returns the core and
    the two kitchens, or None and why part two cannot run here."""
    if not hasattr(os, "sched_setaffinity"):
        return None, "this OS has no call to pin a thread to one core (Linux's sched_setaffinity)"
    allowed = os.sched_getaffinity(0)
    core = min(allowed)
    os.sched_setaffinity(0, {core})  # 0: the calling thread
    try:
        kitchens = [one_baker(recipe), two_bakers(recipe)]
    finally:
        os.sched_setaffinity(0, allowed)
    return core, [(f"{k[0]}, 1 core", *k[1:]) for k in kitchens]


def time_in(spans, kind):
    return sum(end - start for k, start, end, _ in spans if k == kind)


def cpu_in(spans, kind):
    return sum(cpu for k, _, _, cpu in spans if k == kind)


def overlap(a, b, kind, lo=0.0, hi=float("inf")):
    shared = 0.0
    for ka, sa, ea, _ in a:
        for kb, sb, eb, _ in b:
            if ka == kind and kb == kind:
                shared += max(0.0, min(ea, eb, hi) - max(sa, sb, lo))
    return shared


def covered(spans, kind, lo, hi):
    return sum(max(0.0, min(e, hi) - max(s, lo)) for k, s, e, _ in spans if k == kind)


def cells(total, cell):
    count = max(0, math.ceil(total / cell - 1e-6))  # no sliver of a cell past the end
    return [(i * cell, min((i + 1) * cell, total)) for i in range(count)]


def row(spans, total, cell):
    done_at = max(e for _, _, e, _ in spans)
    out = []
    for lo, hi in cells(total, cell):
        mixing, oven = covered(spans, "mix", lo, hi), covered(spans, "oven", lo, hi)
        done = max(0.0, hi - max(lo, done_at))
        waiting = (hi - lo) - mixing - oven - done
        most = max(mixing, oven, done, waiting)
        if most <= 0:
            out.append(" ")
        else:
            out.append("#" if mixing == most else "~" if oven == most else "." if waiting == most else " ")
    return "".join(out)


def both_row(a, b, total, cell):
    """^ where both cakes were mixed at the same moment (their two mixes got 1.5 cores'
    worth of CPU or more between them), - where both were under way but taking turns."""
    def worth(span):
        return span[3] / max(span[2] - span[1], 1e-9)

    out = []
    for lo, hi in cells(total, cell):
        both = cpu = 0.0
        for x in (s for s in a if s[0] == "mix"):
            for y in (s for s in b if s[0] == "mix"):
                shared = max(0.0, min(x[2], y[2], hi) - max(x[1], y[1], lo))
                both += shared
                cpu += shared * (worth(x) + worth(y))
        out.append(" " if 3 * both < hi - lo else "^" if cpu >= 1.5 * both else "-")
    return "".join(out)


def mixing(cakes):
    return sum(time_in(c[0], "mix") for c in cakes)


def overlap_s(cakes):
    return overlap(cakes[0][0], cakes[1][0], "mix")


def cores_mixing(cakes):
    """CPU seconds of mixing per wall second in which any cake was being mixed."""
    return sum(cpu_in(c[0], "mix") for c in cakes) / (mixing(cakes) - overlap_s(cakes))


def units(cakes):
    """Threads (or processes) the two cakes were baked on."""
    return 1 if cakes[0][2:] == cakes[1][2:] else 2


TRACK_NAMES = {
    "sequential": ["baker: cake 1, then cake 2"] * 2,
    "one baker": ["baker: both cakes in turn"] * 2,
    "two bakers": ["baker-1 thread: cake 1", "baker-2 thread: cake 2"],
    "two procs": ["baker 1 process: cake 1", "baker 2 process: cake 2"],
}


def load_average():
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def cpu_now():
    """CPU seconds this process (all its threads) and its live children have used so far;
    the children's from Linux's /proc/PID/schedstat, where there is one."""
    cpu = time.process_time()
    for child in multiprocessing.active_children():
        try:
            with open(f"/proc/{child.pid}/schedstat") as stat:
                cpu += int(stat.read().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            pass
    return cpu


class CpuMeter:
    """Reads cpu_now() every 40 ms on a daemon thread while the trace is on: the cores the
    run really kept busy (the GIL keeps two threads' Python to one)."""

    def __init__(self, on):
        self.readings, self.stopped = [], threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True, name="cpu-meter") if on else None
        if self.thread:
            self.thread.start()

    def _read(self):
        while not self.stopped.is_set():
            self.readings.append((time.monotonic(), cpu_now()))
            self.stopped.wait(0.040)

    def stop(self):
        self.stopped.set()
        if self.thread:
            self.thread.join()
        return self.readings


def record(trace, kitchens, readings):
    """The kitchens as a trace, from the same spans the timelines are drawn from: the same
    groups, tracks and slice names as the Rust side writes."""
    for name, total, cakes, opened, _ in kitchens:
        base = name.removesuffix(", 1 core")
        label = f"{base} ({units(cakes)} {'process' if name == 'two procs' else 'thread'}(s))"
        # Part two's groups lead with "1 core: ", as on the Rust side.
        group = trace.group(label if base == name else f"1 core: {label}")
        names = TRACK_NAMES[base]
        baker = trace.track(group, names[0])
        bakers = [baker, baker] if names[0] == names[1] else [baker, trace.track(group, names[1])]
        ovens = [trace.track(group, "cake 1's oven"), trace.track(group, "cake 2's oven")]
        for c, (spans, *_) in enumerate(cakes):
            steps = sum(1 for s in spans if s[0] == "mix")
            counts = {"mix": 0, "oven": 0}
            for kind, start, end, cpu in spans:
                counts[kind] += 1
                if kind == "mix":
                    label = (f"cake {c + 1}: mix {counts[kind]} of {steps}, {cpu * 1e3:.0f} ms CPU in "
                             f"{(end - start) * 1e3:.0f} ms")
                    trace.slice(bakers[c], "mixing (CPU work)", label, opened + start, opened + end)
                else:
                    label = f"cake {c + 1}: oven {counts[kind]} of {steps}"
                    trace.slice(ovens[c], "in the oven (a sleep)", label, opened + start, opened + end)
        closed = opened + total
        inside = [r for r in readings if opened <= r[0] <= closed]
        trace.counter(group, "cores busy", opened, 0.0)
        for (t0, cpu0), (t1, cpu1) in zip(inside, inside[1:]):
            trace.counter(group, "cores busy", t0, max(0.0, cpu1 - cpu0) / max(t1 - t0, 1e-9))
        if inside:
            trace.counter(group, "cores busy", inside[-1][0], 0.0)


def main():
    parser = argparse.ArgumentParser(description="Two cakes: one after the other, one baker, two bakers")
    parser.add_argument("--work-ms", type=int, default=150, help="ms of mixing (CPU work) in each step")
    parser.add_argument("--oven-ms", type=int, default=100, help="ms in the oven (a sleep) after each mixing")
    parser.add_argument("--steps", type=int, default=3, help="steps (mix, then oven) per cake")
    parser.add_argument("--width", type=int, default=72, help="width of the timelines, in characters")
    parser.add_argument("--trace", metavar="FILE",
                        help="write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer)")
    args = parser.parse_args()
    if args.work_ms < 1 or args.oven_ms < 0 or args.steps < 1 or args.width < 20:
        parser.error("need --work-ms >= 1, --oven-ms >= 0, --steps >= 1, --width >= 20")

    cores = allowed_cores()
    strokes = strokes_per_ms() * args.work_ms
    recipe = (args.steps, strokes, args.oven_ms / 1000)
    print(f"Two cakes, {args.steps} steps each: mix {args.work_ms} ms ({strokes} strokes of Python arithmetic),")
    print(f"then {args.oven_ms} ms in the oven. Part one bakes them four ways on the {cores} core(s) this")
    print("process may use; part two again with one baker and with two, pinned to one core")
    print("(os.sched_setaffinity).\n")

    meter = CpuMeter(args.trace is not None)
    kitchens = [sequential(recipe), one_baker(recipe), two_bakers(recipe), two_processes(recipe)]
    core, part_two = on_one_core(recipe)
    if core is not None:
        kitchens += part_two
    readings = meter.stop()
    base = kitchens[0][1]
    print(f"{'kitchen':<18} {'cores':>5} {'units':>5} {'total_s':>8} {'mixing_s':>8} {'overlap_s':>9} "
          f"{'cores_mixing':>12} {'speedup':>8}")
    for name, total, cakes, _, allowed in kitchens:
        print(f"{name:<18} {allowed:>5} {units(cakes):>5} {total:>8.3f} {mixing(cakes):>8.3f} "
              f"{overlap_s(cakes):>9.3f} {cores_mixing(cakes):>12.2f} {base / total:>7.2f}x")
    print("one baker: both cakes as two asyncio tasks on one thread; two bakers: two threading.Thread;")
    print("two procs: two multiprocessing.Process. cores: the cores the kitchen was allowed on;")
    print("units: its threads, or processes for 'two procs'; mixing_s: both cakes' mixing added up;")
    print("overlap_s: the wall time both cakes' mixes were under way at once (two threads taking")
    print("turns at the GIL count too); cores_mixing: CPU seconds of mixing per wall second in which")
    print("any mixing went on (time.thread_time): the cores really mixing at once; speedup:")
    print("sequential total over this total (the ovens overlap even on one core). The summary calls")
    print('a kitchen\'s total_s <kitchen>_s (one_baker_1core_s for "one baker, 1 core"), and its')
    print("other columns <column>_<kitchen> (cores_mixing_two_bakers).")
    alone = cores_mixing(kitchens[0][2])
    if alone < 0.85:
        load = load_average()
        load = "" if load is None else f" (load average {load:.1f})"
        print(f"Busy machine: one thread mixing alone got {alone:.2f} of a core{load}, so every cores_mixing reads low.")

    cell = max(k[1] for k in kitchens) / args.width
    print(f"\nTimelines, one character = {cell * 1e3:.1f} ms: # mixing, ~ in the oven, . waiting. The both")
    print("row: ^ both cakes mixed at the same moment (1.5 cores' worth or more: parallel), - both")
    print("mixes under way but taking turns (less: overlapping in time, not parallel).")
    for name, total, cakes, _, allowed in kitchens:
        a, b = cakes[0][0], cakes[1][0]
        print(f"\n{name} ({allowed} core(s), {total:.3f} s)")
        print(f"  cake 1 |{row(a, total, cell)}|")
        print(f"  cake 2 |{row(b, total, cell)}|")
        print(f"  both   |{both_row(a, b, total, cell)}|")

    seq, one, two, procs = kitchens[:4]
    alone = (mixing(seq[2]) + mixing(one[2])) / 2  # both had the cores to themselves
    stretch, stretch_procs = mixing(two[2]) / alone, mixing(procs[2]) / alone
    ok = all(k[2][c][1] == seq[2][c][1] for k in kitchens for c in (0, 1))
    print(f"\nTwo bakers on threads: {cores_mixing(two[2]):.2f} cores' worth of mixing; each mix took {stretch:.2f}x")
    print("as long as on one thread: the GIL lets one thread run Python at a time, so their mixes")
    print("overlap in time without being parallel.")
    worth = cores_mixing(procs[2])
    verdict = "parallel" if worth >= 1.5 else "not parallel here: the cores were busy elsewhere"
    print(f"Two bakers in processes: {worth:.2f} cores' worth ({verdict}); each mix took {stretch_procs:.2f}x.")
    if core is None:
        print(f"Part two (one core) skipped: {part_two}.")
    else:
        one_1, two_1 = kitchens[4:]
        print(f"Part two, pinned to core {core}: one baker {seq[1] / one_1[1]:.2f}x the speed of sequential")
        print("(concurrency works on one core: it needs something to wait for, not a second core); two")
        print(f"bakers' mixes overlapped in time for {overlap_s(two_1[2]):.3f} s with {cores_mixing(two_1[2]):.2f} "
              "cores' worth: concurrent,")
        print("not parallel. Parallelism is a kind of concurrency: on one core only the concurrency is left.")
    print(f"Cakes identical in all {len(kitchens)} kitchens: {str(ok).lower()}")
    ideal = (len(kitchens) + 1) * args.steps * args.oven_ms / 1000
    print(f"ideal_s = {ideal:.3f} s: the ovens alone, the run's only deliberate waits: 2 x {args.steps} x "
          f"{args.oven_ms} ms back to back")
    print(f"  in the sequential kitchen, {args.steps} x {args.oven_ms} ms in each of the {len(kitchens) - 1} others "
          "(their two cakes' ovens overlap).")
    if args.trace:
        # The kitchens' clock is time.monotonic(), one clock for this process and its children.
        trace = Trace(start=kitchens[0][3])
        record(trace, kitchens, readings)
        try:
            trace.write(args.trace)
        except OSError as error:
            print(f"error: cannot write the trace to {args.trace} ({error.strerror}); check that its folder exists",
                  file=sys.stderr)
            return 1
        print(f"trace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")
    fields = [("cores", cores), ("sequential_s", f"{seq[1]:.3f}"), ("one_baker_s", f"{one[1]:.3f}"),
              ("two_bakers_s", f"{two[1]:.3f}"), ("overlap_s_two_bakers", f"{overlap_s(two[2]):.3f}"),
              ("cores_mixing_two_bakers", f"{cores_mixing(two[2]):.2f}")]
    if core is not None:
        fields += [("one_baker_1core_s", f"{one_1[1]:.3f}"), ("two_bakers_1core_s", f"{two_1[1]:.3f}"),
                   ("overlap_s_two_bakers_1core", f"{overlap_s(two_1[2]):.3f}"),
                   ("cores_mixing_two_bakers_1core", f"{cores_mixing(two_1[2]):.2f}")]
    fields += [("results_equal", str(ok).lower()), ("cores_mixing_two_procs", f"{worth:.2f}"),
               ("ideal_s", f"{ideal:.3f}")]
    print("summary: " + " ".join(f"{k}={v}" for k, v in fields))


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
