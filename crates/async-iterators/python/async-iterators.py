"""The Python side of async-iterators: TODO, the same idea with the standard library."""

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser(description="TODO: the idea in one line")
    parser.add_argument("--delay-ms", type=int, default=100, help="how long to sleep, in ms (1 to 60000)")
    parser.add_argument("--trace", metavar="FILE", help="write the run to FILE as a Chrome trace")
    args = parser.parse_args()
    trace = Trace(on=args.trace is not None)
    sleeper = trace.track(trace.group("one sleep"), "sleeper thread")
    print(f"sleeping {args.delay_ms} ms")
    start = time.perf_counter()
    time.sleep(args.delay_ms / 1000)
    end = time.perf_counter()
    trace.slice(sleeper, "sleep", f"sleep {args.delay_ms} ms", start, end)
    slept = end - start
    delay = args.delay_ms / 1000
    print(f"slept {slept * 1e3:.1f} ms")
    if args.trace:
        trace.write(args.trace)
        print(f"trace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")
    print(f"summary: delay_ms={args.delay_ms} slept_s={slept:.3f} ratio={slept / delay:.3f} ideal_s={delay:.3f}")


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
