"""Preemptive vs cooperative multitasking, the Python side.

Part one: threading.Thread busy loops that never wait. CPython lets only one thread run
Python at a time (the GIL), but it makes the running thread hand the GIL over every
sys.getswitchinterval() seconds, and the OS preempts threads as well: every thread keeps
progressing, only the total is that of about one core.

Part two: asyncio is cooperative. A ticker coroutine wants to run every --tick-ms; beside it
a coroutine spins for --spin-ms. Without an await in its loop it holds the event loop and
the ticker runs late by about the spin time; with `await asyncio.sleep(0)` after each slice
of work, the ticker keeps time.

Part three prices both kinds of switch: two asyncio tasks on one thread hand a token back
and forth, then two threads do the same with a threading.Condition.

Run it:  python3 multitasking.py [--threads N --duration-ms 1000 --tick-ms 100 --spin-ms 500]
The last line, `summary: ...`, carries the same keys as the Rust program.
"""

import argparse
import asyncio
import os
import resource
import sys
import threading
import time

MASK = (1 << 64) - 1
# Each thread's stack: 2 MiB, as a Rust thread gets by default (Python would take the
# stack ulimit, 8 MiB), and what the check ahead counts for it.
STACK_BYTES = 2 << 20


def involuntary_switches():
    """Times Linux preempted the calling thread, or None where the OS does not say."""
    try:
        with open("/proc/thread-self/status") as status:
            for line in status:
                if line.startswith("nonvoluntary_ctxt_switches:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


OFF_CORE_S = 0.001  # a gap this long between two units of work: the thread was off its core


def busy(slot, counters, stop, preempted, turns=None):
    """Busy work in units of 1,000 arithmetic steps; counters[slot] counts finished units.
    With `turns` (for --trace), the thread's turns on a core: runs of units with no gap
    longer than OFF_CORE_S between them (in CPython, its turns holding the GIL)."""
    x, began, last = 1, None, None
    while not stop.is_set():
        for step in range(1000):
            x = (x * 6364136223846793005 + (step | 1)) & MASK
        counters[slot] += 1
        if turns is not None:
            now = time.perf_counter()
            if last is not None and now - last > OFF_CORE_S:
                turns.append((began, last))
                began = now
            began, last = began or now, now
    if turns is not None and began is not None:
        turns.append((began, last))
    preempted[slot] = involuntary_switches()


def check_room_for_threads(n, flag):
    """Stops before any thread starts, with one line naming the flag and the limit, when the
    limits surely leave no room for n more threads: the threads this user may run
    (ulimit -u; root is exempt) and the address space each thread's stack takes (ulimit -v).
    """
    most, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    if most != resource.RLIM_INFINITY and os.getuid() != 0 and n + 1 > most:
        sys.exit(f"error: {flag} {n} asks for more threads than this user may run: at most "
                 f"{most} processes and threads in all (ulimit -u {most}); lower {flag} below "
                 f"{most} or raise ulimit -u")
    limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    if limit == resource.RLIM_INFINITY:
        return
    per_thread = STACK_BYTES + 4096
    room = max(0, limit - address_space_in_use())
    # glibc gives threads that allocate at the same moment malloc arenas of their own, 64 MiB
    # of address space each, up to 8 per processor (MALLOC_ARENA_MAX): count them all.
    arena_max = int(os.environ.get("MALLOC_ARENA_MAX", "0") or 0) or 8 * (os.cpu_count() or 1)
    arenas = min(n, arena_max) if sys.platform == "linux" else 0
    needed = n * per_thread + arenas * (64 << 20)
    if needed > room:
        sys.exit(f"error: {flag} {n} needs about {needed >> 20} MiB of address space for the "
                 f"threads' stacks and glibc's malloc arenas, and the memory limit leaves "
                 f"{room >> 20} MiB (ulimit -v {limit // 1024}); lower {flag}, raise "
                 f"ulimit -v, or set MALLOC_ARENA_MAX=1")


def limits_to_raise():
    """What to tell the user when a thread could not start after all: the limits that are set."""
    most, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    named = []
    if most != resource.RLIM_INFINITY and os.getuid() != 0:
        named.append(f"the thread limit (ulimit -u {most})")
    if limit != resource.RLIM_INFINITY:
        named.append(f"the memory limit (ulimit -v {limit // 1024})")
    return " or ".join(named) or "the process's limits (ulimit -a)"


def address_space_in_use():
    """The address space this process has mapped already (Linux: VmSize; elsewhere 0)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def time_a_unit():
    """Seconds one unit of busy work takes here: the fastest of 5 batches of 50."""
    def batch():
        start = time.perf_counter()
        for _ in range(50):
            x = 1
            for step in range(1000):
                x = (x * 6364136223846793005 + (step | 1)) & MASK
        return (time.perf_counter() - start) / 50
    return min(batch() for _ in range(5))


def preemptive_threads(threads, cores, duration_s, sample_s, trace, unit_s):
    print(f"Part 1: {threads} Python threads (threads) spin on {cores} core(s) (cores) for {duration_s * 1000:.0f} ms;")
    print(f"none of them ever waits. The GIL changes hands every {sys.getswitchinterval() * 1000:.0f} ms. A unit of")
    print(f"work is 1,000 multiply-and-add steps in Python, {unit_s * 1e6:.1f} us of CPU here (unit_us: the fastest")
    print(f"of 5 timed batches), so a thread holding the GIL for a whole {sample_s * 1000:.0f} ms window does about")
    print(f"{sample_s / max(unit_s, 1e-12):.0f} units. Units each thread did, per window:\n")
    counters, preempted, stop = [0] * threads, [None] * threads, threading.Event()
    turns = [[] if trace.on else None for _ in range(threads)]
    workers = [
        threading.Thread(target=busy, args=(i, counters, stop, preempted, turns[i]), name=f"busy-{i}")
        for i in range(threads)
    ]
    started = []
    try:
        for i, w in enumerate(workers):
            try:
                w.start()
            except RuntimeError as e:  # "can't start new thread"
                sys.exit(f"error: cannot start thread busy-{i} ({i} started); lower --threads or raise "
                         f"{limits_to_raise()}: {e}")
            started.append(w)
        start, last, windows = time.monotonic(), [0] * threads, []
        due = sample_s
        while due <= duration_s + 1e-9:
            time.sleep(max(0.0, due - (time.monotonic() - start)))
            now = list(counters)
            windows.append(((time.monotonic() - start) * 1000, [n - l for n, l in zip(now, last)]))
            last, due = now, due + sample_s
    finally:  # also on Ctrl-C or a failed start: the spinning threads never stop on their own
        stop.set()
        for w in started:
            w.join()

    if trace.on:
        group = trace.group(f"part 1: {threads} busy threads on {cores} core(s), taking turns at the GIL")
        for i, mine in enumerate(turns[:100]):
            track = trace.track(group, f"busy-{i} (thread)")
            for k, (t0, t1) in enumerate(mine, 1):
                trace.slice(track, "on a core", f"busy-{i}: turn {k} on a core", t0, t1)
    print(f"{'t_ms':>8} " + "".join(f"{'busy-' + str(t):>9}" for t in range(threads)))
    for at, done in windows:
        print(f"{at:>8.0f} " + "".join(f"{n:>9}" for n in done))
    totals = [sum(done[t] for _, done in windows) for t in range(threads)]
    print(f"{'total':>8} " + "".join(f"{n:>9}" for n in totals))
    print(f"{'preempt':>8} " + "".join(f"{'-' if p is None else p:>9}" for p in preempted))
    advanced = sum(1 for _, done in windows if all(n > 0 for n in done))
    progressed = all(n > 0 for n in totals)
    print(f"\nWindows in which every thread advanced (windows_all_advanced): {advanced} of {len(windows)} (windows);")
    print(f"every thread progressed (threads_all_progressed): {str(progressed).lower()}.")
    return progressed, len(windows), advanced


async def ticker(start, tick_s, ticks):
    loop = asyncio.get_running_loop()
    due_ran = []
    for k in range(1, ticks + 1):
        due = start + k * tick_s
        await asyncio.sleep(max(0.0, due - loop.time()))
        due_ran.append((due - start, loop.time() - start))
    return due_ran


async def spinner(tick_s, spin_s, yields, polls):
    await asyncio.sleep(1.5 * tick_s)
    began, x, slices = time.monotonic(), 1, 0
    turn = time.perf_counter()  # this task's turn on the thread begins (for --trace: polls)
    while time.monotonic() - began < spin_s:
        for step in range(1000):
            x = (x * 6364136223846793005 + (step | 1)) & MASK
        slices += 1
        if yields:
            polls.append((turn, time.perf_counter()))
            await asyncio.sleep(0)  # back to the event loop: the ticker may run
            turn = time.perf_counter()
    polls.append((turn, time.perf_counter()))
    return slices


async def ticker_beside_a_spinner(tick_s, ticks, spin_s, yields, trace):
    start, start_pc, polls = asyncio.get_running_loop().time(), time.perf_counter(), []
    async with asyncio.TaskGroup() as tasks:
        due_ran = tasks.create_task(ticker(start, tick_s, ticks))
        slices = tasks.create_task(spinner(tick_s, spin_s, yields, polls))
    if trace.on:
        record_ticker(trace, yields, tick_s, start_pc, due_ran.result(), polls)
    return due_ran.result(), slices.result()


def record_ticker(trace, yields, tick_s, start, due_ran, polls):
    """Part two in the trace, with the Rust side's names: the ticker's sleeps and waits, the
    spinner's turns on the thread (polls merged until a tick ran in between)."""
    group = trace.group("part 2: the spinner yields after each slice" if yields else "part 2: the spinner never awaits")
    ticker_track, spin_track = trace.track(group, "ticker task"), trace.track(group, "spinner task")
    ran, fired_at = start, []
    for k, (due, fired) in enumerate(due_ran, 1):
        due, fired = start + due, start + fired
        trace.slice(ticker_track, "sleep", f"tick {k}: sleeps until due ({tick_s * 1e3:.0f} ms)", ran, due)
        trace.slice(ticker_track, "waits for the thread",
                    f"tick {k}: due, waits {max(0.0, fired - due) * 1e3:.1f} ms for the thread", max(due, ran), fired)
        trace.instant(ticker_track, f"tick {k} runs", fired)
        fired_at.append(fired)
        ran = fired
    runs = []
    for t0, t1 in polls:
        if runs and not any(runs[-1][1] <= f <= t0 for f in fired_at):
            runs[-1][1], runs[-1][2] = t1, runs[-1][2] + 1
        else:
            runs.append([t0, t1, 1])
    for t0, t1, n in runs:
        ms = (t1 - t0) * 1e3
        name = (f"spinner: one turn of {ms:.0f} ms, never awaits" if n == 1
                else f"spinner: {n} turns in {ms:.0f} ms, yield_now after each")
        trace.slice(spin_track, "holds the thread", name, t0, t1)


async def tasks_hand_off(round_trips):
    """Two tasks on one event loop pass a token back and forth; returns the seconds taken."""
    mine, theirs = asyncio.Event(), asyncio.Event()

    async def a():
        for _ in range(round_trips):
            theirs.set()  # the token goes to b
            await mine.wait()  # not a's turn: the loop switches to b
            mine.clear()

    async def b():
        for _ in range(round_trips):
            await theirs.wait()
            theirs.clear()
            mine.set()  # and back to a

    start = time.perf_counter()
    async with asyncio.TaskGroup() as players:
        players.create_task(a())
        players.create_task(b())
    return time.perf_counter() - start


def threads_hand_off(round_trips):
    """The same game between two threads, each asleep until the other says it is its turn."""
    turn, changed = [0], threading.Condition()

    def player(me):
        with changed:
            for _ in range(round_trips):
                while turn[0] % 2 != me:
                    changed.wait()
                turn[0] += 1  # the token goes to the other thread
                changed.notify()

    start = time.perf_counter()
    other = threading.Thread(target=player, args=(1,), daemon=True)  # Ctrl-C must not wait for it
    other.start()
    player(0)
    other.join()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description="Preemptive threads vs cooperative asyncio tasks")
    parser.add_argument("--threads", type=int, default=None, help="busy threads in part one [default: 2 x cores]")
    parser.add_argument("--duration-ms", type=int, default=1000, help="how long each part runs, in ms")
    parser.add_argument("--sample-ms", type=int, default=100, help="part one: sample the counters this often")
    parser.add_argument("--tick-ms", type=int, default=100, help="part two: the ticker wants to tick this often")
    parser.add_argument("--spin-ms", type=int, default=500, help="part two: how long the other task spins")
    parser.add_argument("--round-trips", type=int, default=5000, help="part three: round trips of the token in each game, timed in rounds of up to 1,000")
    parser.add_argument("--trace", metavar="FILE",
                        help="write parts one and two to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer)")
    args = parser.parse_args()
    trace = Trace(on=args.trace is not None)
    if (args.threads is not None and not 1 <= args.threads <= 512) or args.duration_ms < 50 or args.sample_ms < 10 \
            or args.tick_ms < 5 or args.spin_ms < 1 or args.round_trips < 50:
        parser.error("need 1 <= --threads <= 512, --duration-ms >= 50, --sample-ms >= 10, --tick-ms >= 5, --spin-ms >= 1, "
                     "--round-trips >= 50")
    d, t = args.duration_ms, args.tick_ms
    if args.sample_ms > d:
        parser.error(f"--sample-ms {args.sample_ms} is longer than --duration-ms {d}: part one would end before its "
                     f"first sampling window and show no progress at all; make --sample-ms at most {d} "
                     "(or raise --duration-ms)")
    if 2 * t > d:
        parser.error(f"--tick-ms {t} fits fewer than two ticks in --duration-ms {d}, and the spinner starts after "
                     f"the first: no tick could be starved; make --tick-ms at most {d // 2} "
                     f"(or raise --duration-ms to at least {2 * t})")
    if 2 * args.spin_ms <= t:
        parser.error(f"--spin-ms {args.spin_ms} ends before the next tick is due (the spin starts at 1.5 ticks, "
                     f"the next tick at 2): no tick could be starved; make --spin-ms more than {t // 2} "
                     "(or lower --tick-ms)")

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    threads = args.threads or 2 * cores
    check_room_for_threads(threads, "--threads")
    threading.stack_size(STACK_BYTES)
    unit_s = time_a_unit()
    progressed, windows, advanced = preemptive_threads(threads, cores, args.duration_ms / 1000, args.sample_ms / 1000,
                                                    trace, unit_s)

    tick_s, spin_s = args.tick_ms / 1000, args.spin_ms / 1000
    ticks = args.duration_ms // args.tick_ms
    print("\nPart 2: cooperative multitasking, one asyncio event loop. A ticker wants to tick every")
    print(f"{args.tick_ms} ms, {ticks} times. At {1.5 * args.tick_ms:.0f} ms a second coroutine spins for "
          f"{args.spin_ms} ms: first")
    print("it never awaits, then it awaits asyncio.sleep(0) after every slice of work (a slice:")
    print("one unit of work, as in part 1).\n")
    hog, hog_slices = asyncio.run(ticker_beside_a_spinner(tick_s, ticks, spin_s, False, trace))
    yld, yld_slices = asyncio.run(ticker_beside_a_spinner(tick_s, ticks, spin_s, True, trace))

    print(f"{'':>4} {'':>8}   {'spinner never awaits':>24}   {'spinner yields':>24}")
    print(f"{'tick':>4} {'due_ms':>8}   {'ran_ms':>12}{'late_ms':>12}   {'ran_ms':>12}{'late_ms':>12}")
    for k, ((due, ran_h), (_, ran_y)) in enumerate(zip(hog, yld), 1):
        print(f"{k:>4} {due * 1e3:>8.0f}   {ran_h * 1e3:>12.1f}{(ran_h - due) * 1e3:>12.1f}"
              f"   {ran_y * 1e3:>12.1f}{(ran_y - due) * 1e3:>12.1f}")
    worst_spin = max(0.0, max(ran - due for due, ran in hog)) * 1e3
    worst_yield = max(0.0, max(ran - due for due, ran in yld)) * 1e3
    print(f"\nThe spinner did {hog_slices} slices of work without awaiting (spin_slices), {yld_slices} slices")
    print(f"yielding after each (yield_slices), while the ticker wanted to run every {args.tick_ms} ms.")
    print(f"\nworst lateness: {worst_spin:.1f} ms beside the spinner that never awaits (worst_late_spin_ms), "
          f"{worst_yield:.1f} ms")
    print("beside the one that yields (worst_late_yield_ms).")

    rt = args.round_trips
    print(f"\nPart 3: what a switch costs. Two asyncio tasks on one thread hand a token back and forth\n"
          f"{rt} times (round_trips; asyncio.Event), then two threads do the same (threading.Condition,\n"
          f"{cores} core(s)); per hand-off, in the fastest round of up to 1,000 round trips:\n")
    per_round = min(rt, 1000)  # short rounds: most run without another process taking the core
    rounds = max(3, -(-rt // per_round))
    task_ns = min(asyncio.run(tasks_hand_off(per_round)) for _ in range(rounds)) * 1e9 / (2 * per_round)
    thread_ns = min(threads_hand_off(per_round) for _ in range(rounds)) * 1e9 / (2 * per_round)
    print(f"  {'task switch, two tasks on one thread':<44} {task_ns:>10.0f} ns   (task_switch_ns)")
    print(f"  {'thread hand-off, two OS threads':<44} {thread_ns:>10.0f} ns   "
          f"(thread_handoff_ns; {thread_ns / task_ns:.1f} x the task switch)")
    ideal = args.duration_ms / 1000 + 2 * ticks * tick_s
    print(f"\nideal_s = {ideal:.3f} s: the run's deliberate waits: part 1's {args.duration_ms} ms of sampling, and the")
    print(f"ticker's {ticks} ticks of {args.tick_ms} ms, twice (once beside each spinner); part 3 waits for nothing.")

    if args.trace:
        trace.note("part 3 (what a switch costs) is not drawn: its hand-offs take nanoseconds")
        try:
            trace.write(args.trace)
        except OSError as error:
            sys.exit(f"error: cannot write the trace to {args.trace} ({error.strerror}); check that its folder exists")
        print(f"trace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")
    print(f"summary: threads={threads} threads_all_progressed={str(progressed).lower()} "
          f"worst_late_spin_ms={worst_spin:.1f} worst_late_yield_ms={worst_yield:.1f} "
          f"task_switch_ns={task_ns:.0f} thread_handoff_ns={thread_ns:.0f} "
          f"cores={cores} unit_us={unit_s * 1e6:.1f} windows={windows} windows_all_advanced={advanced} "
          f"spin_slices={hog_slices} yield_slices={yld_slices} round_trips={rt} ideal_s={ideal:.3f}")


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
