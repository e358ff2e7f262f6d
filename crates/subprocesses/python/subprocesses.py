"""The Python side of subprocesses: asyncio.create_subprocess_exec runs children as tasks on
one thread. Several at once: lines arrive interleaved, the whole takes about the slowest
child. A child that hangs is killed at a timeout and reaped. A child that writes more than
the pipe holds blocks; a parent that awaits proc.wait() before reading waits forever (seen
by a timeout); proc.communicate() reads while it waits. The children are this script."""

import argparse
import asyncio
import fcntl
import os
import sys
import threading
import time


# ---- the children: this script with --role
def child_role(args):
    parent = args.parent

    def end_with_the_parent():  # the parent is gone: so are we
        while os.getppid() == parent:
            time.sleep(0.02)
        os._exit(3)

    threading.Thread(target=end_with_the_parent, daemon=True).start()
    if args.role == "lines":
        for n in range(1, args.lines + 1):
            time.sleep(args.every_ms / 1000)
            print(f"child {args.id} (every {args.every_ms} ms): line {n}", flush=True)
    elif args.role == "hang":
        while True:
            time.sleep(3600)
    elif args.role == "flood":
        chunk, written, out = b"x" * 4096, 0, sys.stdout.buffer
        while written < args.flood_kib * 1024:
            out.write(chunk)  # blocks once the pipe is full, until the parent reads
            out.flush()
            written += len(chunk)
            print(f"wrote {written}", file=sys.stderr, flush=True)
    return 0


async def child(role, *more, **pipes):
    # A child's stderr is not the demo's: Ctrl-C while it starts up would print a traceback.
    pipes.setdefault("stderr", asyncio.subprocess.DEVNULL)
    return await asyncio.create_subprocess_exec(
        sys.executable, os.path.abspath(__file__), "--role", role, "--parent", str(os.getpid()),
        *more, stdin=asyncio.subprocess.DEVNULL, **pipes)


async def reaped(proc):
    """On the way out, however we leave (a Ctrl-C too): kill the child if it still runs,
    and wait for it, while the loop still runs."""
    if proc.returncode is None:
        try:
            proc.kill()
        except ProcessLookupError:
            pass
    await proc.wait()


# ---- the system
def pipe_size():
    """Fills a non-blocking pipe until BlockingIOError; and the kernel's F_GETPIPE_SZ."""
    r, w = os.pipe()
    try:
        os.set_blocking(w, False)
        filled = 0
        for size in (4096, 1):
            while True:
                try:
                    filled += os.write(w, b"\0" * size)
                except BlockingIOError:
                    break
        reported = fcntl.fcntl(r, fcntl.F_GETPIPE_SZ) if hasattr(fcntl, "F_GETPIPE_SZ") else None
        return reported, filled
    finally:
        os.close(r)
        os.close(w)


def stat(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def kernel_view(pid):
    s = stat(pid)
    try:
        with open(f"/proc/{pid}/wchan") as f:
            wchan = f.read().strip()
    except OSError:
        wchan = ""
    return (s[0] if s else "-"), (wchan if wchan and wchan != "0" else "-")


async def gone(pid):
    start = time.perf_counter()
    while time.perf_counter() - start < 2:
        if not sys.platform.startswith("linux") or stat(pid) is None:
            return time.perf_counter() - start
        await asyncio.sleep(0.005)
    return None


def children_left():
    me, n = str(os.getpid()), 0
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return 0
    for pid in pids:
        s = stat(pid)
        if s and s[0] != "Z" and s[1] == me:
            n += 1
    return n


def os_threads():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return threading.active_count()


# ---- the parts
async def run_at_once(n, lines, every, trace, tracks):
    """N children at once, a task each on this one thread: each line printed as it arrives."""
    start = time.perf_counter()
    arrivals, each = [], []

    async def one(i):
        proc = await child("lines", "--id", str(i), "--lines", str(lines),
                           "--every-ms", str(int(every * 1000) * i), stdout=asyncio.subprocess.PIPE)
        try:
            async for raw in proc.stdout:  # as it arrives
                line = raw.decode().rstrip("\n")
                print(f"   {time.perf_counter() - start:7.3f} s  {line}", flush=True)
                if i in tracks:
                    trace.instant(tracks[i], line.rsplit(": ", 1)[-1], time.perf_counter())
                arrivals.append(i)
            code = await proc.wait()  # the pipe closed: it has ended; reap it
        finally:
            await reaped(proc)
        end = time.perf_counter()
        if i in tracks:
            trace.slice(tracks[i], "runs", f"child {i} runs", start, end)
        each.append((i, code == 0, end - start))

    async with asyncio.TaskGroup() as group:
        for i in range(1, n + 1):
            group.create_task(one(i))
    return {"arrivals": arrivals, "each": each, "total": time.perf_counter() - start}


async def kill_at_timeout(limit, trace, group):
    proc = await child("hang")
    start = time.perf_counter()
    try:
        await asyncio.wait_for(proc.wait(), limit)
        timed_out = False
    except TimeoutError:
        timed_out = True
    finally:
        killed_at = time.perf_counter()
        await reaped(proc)  # SIGKILL, and wait: reaped
    code = proc.returncode
    track = trace.track(group, "child, kill() at the timeout")
    trace.slice(track, "hangs", "sleeps forever", start, killed_at)
    trace.instant(track, "timeout: kill() at the timeout", killed_at)
    return {"timed_out": timed_out, "status": "SIGKILL" if code == -9 else f"exit {code}",
            "gone": await gone(proc.pid)}


async def wait_then_read(kib, limit, trace, group):
    """The mistake: await proc.wait(), then read. The child fills the pipe and blocks in
    write(); we never read: a deadlock, seen by the timeout."""
    proc = await child("flood", "--flood-kib", str(kib), stdout=asyncio.subprocess.PIPE,
                       stderr=asyncio.subprocess.PIPE)
    written = [0]

    async def progress():
        async for line in proc.stderr:
            if line.startswith(b"wrote "):
                written[0] = max(written[0], int(line.split()[1]))

    reader = asyncio.create_task(progress())
    while written[0] == 0 and not reader.done():  # it has started writing
        await asyncio.sleep(0.001)
    start = time.perf_counter()
    try:
        await asyncio.wait_for(proc.wait(), limit)  # stdout not read yet
        timed_out = False
    except TimeoutError:
        timed_out = True
    state, wchan = kernel_view(proc.pid)
    bytes_ = written[0]
    proc.kill()
    # asyncio reads a pipe in the background into its own buffer, and stops once that is
    # full: drain it, or the pipe never reaches its end and wait() never returns.
    await proc.stdout.read()
    await proc.wait()  # reaped
    await reader
    end = time.perf_counter()
    p = trace.track(group, "parent: waits, then reads")
    c = trace.track(group, "child (unread)")
    trace.slice(p, "waits", "waits for the exit", start, end)
    trace.slice(c, "blocked in write", f"wrote {bytes_} bytes, blocked: pipe full", start, end)
    trace.instant(p, "timeout: kill, reap", end)
    return {"timed_out": timed_out, "bytes": bytes_, "state": state, "wchan": wchan,
            "took": end - start}


async def read_while_waiting(kib, limit, trace, group):
    """The fix: proc.communicate() reads stdout while it waits for the exit."""
    proc = await child("flood", "--flood-kib", str(kib), stdout=asyncio.subprocess.PIPE,
                       stderr=asyncio.subprocess.DEVNULL)
    start = time.perf_counter()
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), limit)
        timed_out = False
    except TimeoutError:
        out, timed_out = b"", True
        proc.kill()
        await proc.wait()
    end = time.perf_counter()
    p = trace.track(group, "parent: reads while it waits")
    c = trace.track(group, "child (read)")
    trace.slice(p, "reads", "reads and waits", start, end)
    trace.slice(c, "writes", f"writes all {len(out)} bytes, exits", start, end)
    return {"timed_out": timed_out, "bytes": len(out), "state": "-", "wchan": "-",
            "took": end - start}


async def demo(args, reported, filled, trace):
    every, limit = args.every_ms / 1000, args.timeout_ms / 1000
    most = [os_threads()]

    async def sample():
        while True:
            most[0] = max(most[0], os_threads())
            await asyncio.sleep(0.005)

    sampler = asyncio.create_task(sample())
    g = trace.group(f"{args.children} children at once, one thread")
    tracks = {i: trace.track(g, f"child {i}") for i in range(1, min(args.children, 100) + 1)}
    if args.children > 100:
        trace.note(f"only the first 100 of the {args.children} children are drawn")
    print(f"1. {args.children} children at once, from ONE thread (asyncio.create_subprocess_exec): "
          f"child i writes {args.lines} lines,\n   one every i x {args.every_ms} ms; each line "
          "printed as it arrives (time since the start):")
    a = await run_at_once(args.children, args.lines, every, trace, tracks)
    slowest = max(t for _, _, t in a["each"])
    total_each = sum(t for _, _, t in a["each"])
    switches = sum(1 for x, y in zip(a["arrivals"], a["arrivals"][1:]) if x != y)
    print(f"   {'child':<6} {'lines':<6} {'ended':<7} took")
    for i, ok, took in sorted(a["each"])[:12]:
        print(f"   {i:<6} {a['arrivals'].count(i):<6} {'exit 0' if ok else 'failed':<7} {took:.2f} s")
    print(f"   all of them: {a['total']:.2f} s, about the slowest child ({slowest:.2f} s), not the "
          f"sum of their times ({total_each:.2f} s).\n   {switches} changes of child between one "
          f"line and the next (one child after another: {len(a['each']) - 1}).\n")
    print(f"2. a child that never ends, waited for up to {args.timeout_ms} ms (asyncio.wait_for):")
    hung_group = trace.group("a child that never ends")
    killed = await kill_at_timeout(limit, trace, hung_group)
    g2 = "no: still there" if killed["gone"] is None else f"yes, {killed['gone'] * 1e3:.0f} ms later"
    print(f"   {'way':<34} {'timed out':<10} {'ended by':<16} gone from the process table")
    print(f"   {'kill() then wait(): reaped':<34} {'yes' if killed['timed_out'] else 'no':<10} "
          f"{killed['status']:<16} {g2}")
    print(f"   (asyncio has no kill_on_drop: a Process object dropped does not kill its child)\n"
          f"   children of this process still running: {children_left()} (from /proc)\n"
          f"   OS threads so far: {most[0]} (Python 3.11's child watcher waits for each child on "
          "a thread)\n")
    pipe_group = trace.group("the full pipe")
    print(f"3. the full pipe: a child writes {args.flood_kib} KiB to its stdout. The pipe holds "
          f"{filled} bytes (filled until\n   BlockingIOError; the kernel says {reported} bytes, "
          "fcntl F_GETPIPE_SZ). Then the writer blocks until someone reads.")
    print(f"   waiting for the exit gives up after {args.timeout_ms} ms:")
    stuck = await wait_then_read(args.flood_kib, limit, trace, pipe_group)
    fixed = await read_while_waiting(args.flood_kib, limit * 20, trace, pipe_group)
    print(f"   {'way':<34} {'timed out':<10} {'time':<8} {'bytes':<14} {'state':<6} sleeps in")
    for way, p, what in (("await wait(), then read: stuck", stuck, "written"),
                         ("communicate(): reads as well", fixed, "read")):
        print(f"   {way:<34} {'yes' if p['timed_out'] else 'no':<10} {p['took']:.2f} s   "
              f"{str(p['bytes']) + ' ' + what:<14} {p['state']:<6} {p['wchan']}")
    print("   (bytes written: what the child had written when the wait gave up, as it said on "
          "stderr: the pipe,\n    plus what asyncio had read ahead into its own buffer; state S, "
          "sleeps in *pipe_write: the\n    child is asleep in write(), waiting for room)\n")
    sampler.cancel()
    return {"children": len(a["each"]), "lines": len(a["arrivals"]), "switches": switches,
            "total": a["total"], "slowest": slowest, "sum": total_each, "threads": most[0],
            "killed": killed, "stuck": stuck, "fixed": fixed}


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Child processes from one thread: output as it arrives, timeouts, the full pipe")
    parser.add_argument("--children", type=int, default=4,
                        help="how many children at once (1 to 500); child i writes a line every "
                             "i x --every-ms")
    parser.add_argument("--lines", type=int, default=4, help="lines each child writes (1 to 10000)")
    parser.add_argument("--every-ms", type=int, default=40,
                        help="child 1's pause before each line, in ms (1 to 10000)")
    parser.add_argument("--timeout-ms", type=int, default=500,
                        help="how long to wait for a child before giving up on it (50 to 60000)")
    parser.add_argument("--flood-kib", type=int, default=1024,
                        help="what the flooding child writes, in KiB (more than the pipe holds)")
    parser.add_argument("--trace", metavar="FILE", help="write the run to FILE as a Chrome trace")
    parser.add_argument("--role", help=argparse.SUPPRESS)
    parser.add_argument("--id", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--parent", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        return child_role(args)
    for flag, value, low, high in (("--children", args.children, 1, 500),
                                   ("--lines", args.lines, 1, 10000),
                                   ("--every-ms", args.every_ms, 1, 10000),
                                   ("--timeout-ms", args.timeout_ms, 50, 60000),
                                   ("--flood-kib", args.flood_kib, 1, 1048576)):
        if not low <= value <= high:
            parser.error(f"{flag} must be between {low} and {high}")
    import resource
    files = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if files != resource.RLIM_INFINITY and files < 2 * args.children + 32:
        print(f"error: --children {args.children} needs {2 * args.children + 32} open files, over "
              "this shell's limit (ulimit -n): lower --children or raise it", file=sys.stderr)
        return 1
    reported, filled = pipe_size()
    if args.flood_kib * 1024 <= (reported or filled):
        parser.error(f"--flood-kib {args.flood_kib} fits in the pipe ({reported or filled} bytes): "
                     "the child would not block; use more")
    trace = Trace(on=args.trace is not None)
    s = asyncio.run(demo(args, reported, filled, trace))
    if args.trace:
        trace.write(args.trace)
        print(f"trace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")
    yes = lambda b: "yes" if b else "no"  # noqa: E731
    ideal = args.every_ms / 1000 * args.lines * args.children + 3 * args.timeout_ms / 1000
    k, st, fx = s["killed"], s["stuck"], s["fixed"]
    print(f"summary: children={s['children']} lines={s['lines']} switches={s['switches']} "
          f"total_s={s['total']:.3f} slowest_s={s['slowest']:.3f} sum_s={s['sum']:.3f} "
          f"threads={s['threads']} hung_timed_out={yes(k['timed_out'])} hung_status={k['status']} "
          f"hung_gone={yes(k['gone'] is not None)} children_left={children_left()} "
          f"pipe_buffer={reported or filled} pipe_filled={filled} "
          f"stuck_timed_out={yes(st['timed_out'])} stuck_written={st['bytes']} "
          f"fixed_timed_out={yes(fx['timed_out'])} fixed_bytes={fx['bytes']} ideal_s={ideal:.3f}")
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
