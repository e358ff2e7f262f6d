#!/usr/bin/env python3
"""Graceful shutdown, the Python side: the same four jobs, the same signal and grace.

loop.add_signal_handler(SIGINT) turns Ctrl-C into an event on the loop; an asyncio.Event
tells every job to stop at its next safe point; asyncio.wait with a timeout is the grace;
cancel() aborts what is left. The program sends itself SIGINT (os.kill) after
--signal-after-ms, unless --wait-for-signal. For contrast, asyncio.run's own ending: main
returns without awaiting its tasks, and asyncio.run cancels them, unfinished.

    python3 crates/graceful-shutdown/python/graceful-shutdown.py
    python3 crates/graceful-shutdown/python/graceful-shutdown.py --wait-for-signal

The last line is the same `summary:` line the Rust program prints.
"""

import argparse
import asyncio
import os
import signal
import sys
import time

JOBS = [("quick", 2, 0.05), ("steady", 20, 0.1), ("chunky", 5, 0.25), ("stuck", 1, 3600.0)]


async def job(steps, step, stop):
    for done in range(1, steps + 1):
        await asyncio.sleep(step)
        if done < steps and stop.is_set():  # a safe point: between two steps
            return f"stopped at a safe point, after {done} of {steps} steps", "stopped"
    return f"completed all {steps} steps", "completed"


class Log:
    def __init__(self, grace, trace):
        self.trace, self.group = trace, trace.group("1 Ctrl-C: stop at a safe point, a grace, then cancel")
        self.main = trace.track(self.group, "main: signal, stop, grace")
        self.lanes = {}
        self.grace_ended = None
        self.start = time.perf_counter()
        self.grace = grace
        self.counts = {"completed": 0, "stopped": 0, "aborted": 0}
        self.signal = None
        self.signal_at = None
        self.slowest_stop = 0.0
        self.shutdown = 0.0

    def line(self, what):
        print(f"  +{time.perf_counter() - self.start:.3f} s  {what}")

    def started(self, name, steps, step):
        self.lanes[name] = self.trace.track(self.group, f"{name}: {steps} x {round(step * 1000)} ms"), time.perf_counter()

    def moment(self, what):
        self.trace.instant(self.main, what, time.perf_counter())

    def ended(self, name, task):
        if task.cancelled():
            what, kind = "aborted in the middle of a step", "aborted"
        else:
            what, kind = task.result()
        legend = {"completed": "completed", "stopped": "stopped at a safe point", "aborted": "aborted mid-step"}
        track, t0 = self.lanes[name]
        self.trace.slice(track, legend[kind], f"{name}: {what}", t0, time.perf_counter())
        self.counts[kind] += 1
        if kind == "stopped" and self.signal_at is not None:
            self.slowest_stop = max(self.slowest_stop, time.perf_counter() - self.signal_at)
        self.line(f"{name:<7} {what}")


async def run_until_signal(self_signal, grace, log):
    loop = asyncio.get_running_loop()
    signals = asyncio.Queue()
    for sig in (signal.SIGINT, signal.SIGTERM):  # from now on they are ours to handle
        loop.add_signal_handler(sig, signals.put_nowait, sig.name)
    own_ctrl_c = None
    if self_signal is not None:
        own_ctrl_c = loop.call_later(self_signal, os.kill, os.getpid(), signal.SIGINT)  # our own Ctrl-C
        log.line(f"jobs start; the program sends itself SIGINT in {round(self_signal * 1000)} ms")
    else:
        log.line("jobs start; waiting for Ctrl-C (SIGINT) or SIGTERM")
    stop = asyncio.Event()
    names = {asyncio.create_task(job(steps, step, stop)): name for name, steps, step in JOBS}
    for name, steps, step in JOBS:
        log.started(name, steps, step)
    running = set(names)
    waiter = asyncio.create_task(signals.get())
    while True:
        done, _ = await asyncio.wait(running | {waiter}, return_when=asyncio.FIRST_COMPLETED)
        for task in done & running:  # a job that ended by itself
            log.ended(names[task], task)
            running.discard(task)
        if waiter in done:
            break
    log.signal, log.signal_at = waiter.result(), time.perf_counter()
    log.moment(log.signal)
    if own_ctrl_c is not None:
        own_ctrl_c.cancel()  # a signal came first: our own Ctrl-C must not be a second one
    log.line(f"{log.signal}: telling every job to stop; grace {round(grace * 1000)} ms")
    stop.set()
    log.moment("stop set for every job (asyncio.Event)")
    second = asyncio.create_task(signals.get())  # a second Ctrl-C ends the grace at once
    deadline = loop.time() + grace
    while running:
        done, _ = await asyncio.wait(running | {second}, timeout=max(0.0, deadline - loop.time()),
                                     return_when=asyncio.FIRST_COMPLETED)
        for task in done & running:
            log.ended(names[task], task)
            running.discard(task)
        if not done or second in done:
            break
    if running:
        why = "a second signal" if second.done() else "the grace is over"
        log.line(f"{why}: aborting the {len(running)} job(s) still running")
        log.moment(f"grace over: cancel() {len(running)} job(s)")
        log.grace_ended = time.perf_counter()
        for task in running:
            task.cancel()  # CancelledError at the job's current await
        await asyncio.wait(running)
        for task in running:
            log.ended(names[task], task)
    second.cancel()
    await asyncio.wait({second})  # until it has ended: no task is left behind us
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(sig)
    now = time.perf_counter()
    log.shutdown = now - log.signal_at
    log.trace.slice(log.main, "grace", f"the grace: up to {round(grace * 1000)} ms", log.signal_at,
                    log.grace_ended or now)
    log.moment("shut down")
    log.line(f"shut down {log.shutdown:.3f} s after the signal")
    c = log.counts
    print(f"  of {len(JOBS)} jobs (jobs): completed {c['completed']} (completed: ran all their steps), "
          f"stopped {c['stopped']} (stopped: at a safe")
    print(f"    point, told by the event), aborted {c['aborted']} (aborted: cancelled mid-step when the grace was over)")
    print(f"  {log.signal} (signal) came {log.signal_at - log.start:.3f} s after the start (signal_after_s); "
          f"the grace (grace_s) {grace:.3f} s;")
    print(f"  the slowest job to stop at a safe point took {log.slowest_stop:.3f} s after the signal (slowest_stop_s);")
    print(f"  shutdown_s {log.shutdown:.3f}: from the signal until every job had ended; "
          f"shutdown_over_grace {log.shutdown / grace:.3f}")
    print("    = shutdown_s / grace_s: about 1 when one job needs the whole grace, below 1 if all stop sooner")


def main_returns(join, trace):
    """Three jobs of 3 x 100 ms; main returns after 150 ms. asyncio.run then cancels the
    tasks still running: their `finally` runs, they never complete."""
    counts = {"spawned": 0, "completed": 0, "dropped": 0}
    group = trace.group(f"2 main returns {'after joining' if join else 'without joining'}")

    async def watched():
        counts["spawned"] += 1
        track, t0 = trace.track(group, f"job {counts['spawned']}: 3 x 100 ms"), time.perf_counter()
        completed = False
        try:
            await job(3, 0.1, asyncio.Event())
            completed = True
        finally:
            counts["completed" if completed else "dropped"] += 1
            if completed:
                trace.slice(track, "completed", "completed all 3 steps", t0, time.perf_counter())
            else:
                trace.slice(track, "dropped with the runtime", "cancelled unfinished by asyncio.run", t0,
                            time.perf_counter())

    async def main():
        tasks = [asyncio.create_task(watched()) for _ in range(3)]
        await asyncio.sleep(0.15)  # main's own work
        if join:
            await asyncio.gather(*tasks)
        trace.instant(trace.track(group, "main"), "main returns: asyncio.run cancels the rest", time.perf_counter())

    asyncio.run(main())
    time.sleep(0.3)  # past the jobs' end
    key = "joined" if join else "unjoined"
    print(f"  main returned {'after joining' if join else 'without joining'}: of {counts['spawned']} jobs ({key}_spawned), "
          f"completed {counts['completed']} ({key}_completed), dropped unfinished {counts['dropped']} ({key}_dropped)")
    return counts


def in_range(low, high):
    def parse(text):
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not in {low}..={high}")
        return value
    return parse


def main():
    sys.stdout.reconfigure(line_buffering=True)  # each line out at once, also into a pipe
    parser = argparse.ArgumentParser(description="Ctrl-C, an event to stop every job, a grace period, then cancel")
    parser.add_argument("--signal-after-ms", type=in_range(1, 60_000), default=None,
                        help="when the program sends itself SIGINT (default 350)")
    parser.add_argument("--grace-ms", type=in_range(1, 60_000), default=500,
                        help="how long the jobs get to stop after the signal")
    parser.add_argument("--wait-for-signal", action="store_true",
                        help="send no signal: wait for a real Ctrl-C (SIGINT) or SIGTERM")
    parser.add_argument("--trace", metavar="FILE",
                        help="write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer)")
    args = parser.parse_args()
    if args.wait_for_signal and args.signal_after_ms is not None:
        parser.error("--wait-for-signal cannot be used with --signal-after-ms")
    self_signal = None if args.wait_for_signal else (args.signal_after_ms or 350) / 1000
    grace = args.grace_ms / 1000
    print("1. jobs run until a signal; then stop, a grace period, abort")
    print("   SIGINT: the signal Ctrl-C sends (SIGTERM: the one `kill` sends), here caught by loop.add_signal_handler.")
    print("   A safe point: a place between two steps, where a job can end with nothing half-done; an asyncio.Event")
    print("   tells every job to stop at its next one. The grace: how long the jobs get to reach one; then the")
    print("   jobs still running are aborted: task.cancel() raises CancelledError in the middle of their step.")
    trace = Trace(on=args.trace is not None)
    log = Log(grace, trace)
    asyncio.run(run_until_signal(self_signal, grace, log))
    print("\n2. for contrast: three jobs of 3 x 100 ms spawned, and main returns after 150 ms")
    print("   joining: awaiting the tasks (asyncio.gather) before main returns. Without it, asyncio.run")
    print("   cancels the tasks still running when main returns: dropped unfinished, as Rust's runtime drops them.")
    unjoined = main_returns(False, trace)
    joined = main_returns(True, trace)
    signal_after = log.signal_at - log.start
    # The deliberate waits: until the signal (our own delay, or sooner if a real signal
    # came first), the grace, and part 2: 150 ms + 300 ms, then the jobs' 300 ms + 300 ms.
    until_signal = signal_after if self_signal is None else min(self_signal, signal_after)
    ideal = until_signal + grace + 0.45 + 0.6
    c = log.counts
    print()
    print(f"ideal_s {ideal:.3f}: the time the deliberate waits alone take: until the signal ({until_signal:.3f} s), the grace")
    print(f"  ({grace:.3f} s), and part 2's 0.450 s (main's 150 ms, then 300 ms past the jobs' end) and 0.600 s")
    print("  (the jobs' 300 ms, then the same 300 ms)")
    if args.trace:
        trace.write(args.trace)
        print(f"trace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")
    print(f"summary: jobs={len(JOBS)} completed={c['completed']} stopped={c['stopped']} aborted={c['aborted']} "
          f"signal={log.signal} signal_after_s={signal_after:.3f} grace_s={grace:.3f} "
          f"slowest_stop_s={log.slowest_stop:.3f} shutdown_s={log.shutdown:.3f} "
          f"shutdown_over_grace={log.shutdown / grace:.3f} unjoined_spawned={unjoined['spawned']} "
          f"unjoined_completed={unjoined['completed']} unjoined_dropped={unjoined['dropped']} "
          f"joined_completed={joined['completed']} ideal_s={ideal:.3f}")


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
    run_as_a_command(main)  # Ctrl-C outside part 1's handler: status 130, no traceback
