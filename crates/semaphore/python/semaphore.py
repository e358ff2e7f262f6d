"""The Python side of semaphore: asyncio.Semaphore(10) around requests to a slow local
HTTP server that counts the requests it has in progress at once.

Three ways, as in the Rust demo: the semaphore (asyncio's usual pattern: every task is
created at once and waits inside `async with sem`), `limit` workers draining one iterator
(what buffer_unordered does), and no limit. Then the mistake Rust's permits rule out:
one `release()` without an `acquire()`, after which the semaphore lets 11 in, not 10.
Standard library only; server and clients share one event loop on one thread.
"""

import argparse
import asyncio
import math
import resource
import sys
import time

PAGE = b"<!doctype html><title>slow site</title><p>served by the semaphore demo</p>\n"


class Gauge:
    """How many are inside now, and the most seen at once; with --trace, `watch` hears each
    entry (`watch.entered(now)` returns a token) and exit (`watch.left(token, now)`)."""

    def __init__(self, watch=None):
        self.now = 0
        self.peak = 0
        self.watch = watch

    def enter(self):
        self.now += 1
        self.peak = max(self.peak, self.now)
        return self.watch.entered(self.now) if self.watch else None

    def leave(self, token=None):
        self.now -= 1
        if self.watch:
            self.watch.left(token, self.now)

    def take_peak(self):
        peak, self.peak = self.peak, self.now
        return peak


IN_FLIGHT, PERMITS, TASKS, DRAWN = ("in flight (server count)", "permits left",
                                    "tasks alive (client)", 100)


class Recorder:
    """--trace: a group per way of sending, the server's count of requests in flight as a
    counter and as a slice per request on the lowest free lane (a row uses as many lanes
    as it ever had in flight at once; lanes past DRAWN are not drawn), and permits left."""

    def __init__(self, trace, latency_ms):
        self.trace, self.latency_ms, self.group = trace, latency_ms, None

    def begin_row(self, name, permits=None):
        if self.trace.on:
            self.group, self.lanes, self.tracks, self.arrived = self.trace.group(name), [], [], 0
            now = time.perf_counter()
            self.trace.counter(self.group, IN_FLIGHT, now, 0)
            if permits is not None:
                self.trace.counter(self.group, PERMITS, now, permits)

    def tasks_alive(self, now):
        if self.group is not None:
            self.trace.counter(self.group, TASKS, time.perf_counter(), now)

    def permits_left(self, left):
        if self.group is not None:
            self.trace.counter(self.group, PERMITS, time.perf_counter(), left)

    def entered(self, now):
        if self.group is None:
            return None
        at = time.perf_counter()
        self.trace.counter(self.group, IN_FLIGHT, at, now)
        self.arrived += 1
        lane = next((i for i, held in enumerate(self.lanes) if held is None), len(self.lanes))
        if lane == len(self.lanes):
            self.lanes.append(None)
        if lane < DRAWN and lane == len(self.tracks):
            self.tracks.append(self.trace.track(self.group, f"server slot {lane + 1}"))
        self.lanes[lane] = (self.arrived, at)
        return lane

    def left(self, lane, now):
        if self.group is None:
            return
        at = time.perf_counter()
        self.trace.counter(self.group, IN_FLIGHT, at, now)
        number, since = self.lanes[lane]
        self.lanes[lane] = None
        if lane < len(self.tracks):
            self.trace.slice(self.tracks[lane], "in flight at the server",
                             f"request {number}: in progress at the server, {self.latency_ms} ms",
                             since, at)


class TasksAlive:
    """The client's tasks alive, heard as a counter of the row."""

    def __init__(self, recorder):
        self.recorder = recorder

    def entered(self, now):
        self.recorder.tasks_alive(now)

    def left(self, _token, now):
        self.recorder.tasks_alive(now)


async def start_server(latency, gauge):
    async def serve(reader, writer):
        try:
            while (await reader.readline()) not in (b"\r\n", b""):
                pass
            lane = gauge.enter()
            await asyncio.sleep(latency)
            gauge.leave(lane)
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(PAGE)}\r\nConnection: close\r\n\r\n"
            writer.write(head.encode() + PAGE)
            await writer.drain()
        except asyncio.CancelledError:
            pass  # Ctrl-C: asyncio.run cancels us; ending normally keeps 3.11 from logging it
        finally:
            writer.close()

    return await asyncio.start_server(serve, "127.0.0.1", 0, backlog=4096)


async def fetch(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    reply = await reader.read()  # to the end: the server closes the connection
    writer.close()
    await writer.wait_closed()
    if not (reply.startswith(b"HTTP/1.1 200 ") and reply.endswith(PAGE)):
        raise RuntimeError("the server's reply is not the page")


async def limited_by_semaphore(port, requests, sem, tasks, permits_left=lambda left: None):
    holding = 0

    async def one():
        nonlocal holding
        tasks.enter()  # alive from creation: it waits for its permit as a task
        async with sem:
            holding += 1
            permits_left(sem_limit - holding)
            await fetch(port)
            holding -= 1
            permits_left(sem_limit - holding)
        tasks.leave()

    sem_limit = sem._value  # the permits it starts with (asyncio keeps them there)

    async with asyncio.TaskGroup() as group:  # every task is created at once
        for _ in range(requests):
            group.create_task(one())


async def limited_by_workers(port, requests, limit):
    todo = iter(range(requests))

    async def worker():
        for _ in todo:
            await fetch(port)

    async with asyncio.TaskGroup() as group:
        for _ in range(limit):
            group.create_task(worker())


async def unlimited(port, requests, tasks):
    async def one():
        tasks.enter()
        await fetch(port)
        tasks.leave()

    async with asyncio.TaskGroup() as group:
        for _ in range(requests):
            group.create_task(one())


async def available_now(sem):
    """Counts the acquires that succeed without waiting, then gives them back."""
    n = 0
    while not sem.locked():
        await sem.acquire()
        n += 1
    for _ in range(n):
        sem.release()
    return n


async def main_async(args):
    latency = args.latency_ms / 1000
    trace = Trace(on=args.trace is not None)
    recorder = Recorder(trace, args.latency_ms)
    server_gauge, tasks = Gauge(recorder), Gauge(TasksAlive(recorder))
    server = await start_server(latency, server_gauge)
    port = server.sockets[0].getsockname()[1]
    rounds = math.ceil(args.requests / args.limit)
    print(f"{args.requests} requests to http://127.0.0.1:{port}/, each answered after "
          f"{args.latency_ms} ms (latency_ms)")
    print(f"at most {args.limit} in flight (limit) in the limited rows; one thread, one event loop")
    print()
    print(f"{'method':<10} {'how the requests are limited':<36} {'seconds':>7} {'rounds':>6} "
          f"{'ratio':>6} {'peak':>6} {'tasks':>6}")

    async def row(key, how, work, rounds):
        start = time.perf_counter()
        await work
        elapsed = time.perf_counter() - start
        peak, alive = server_gauge.take_peak(), tasks.take_peak()
        ratio = elapsed / (rounds * latency)
        print(f"{key:<10} {how:<36} {elapsed:>7.3f} {rounds:>6} {ratio:>6.2f} {peak:>6} {alive:>6}")
        return peak, alive, ratio, elapsed

    sem = asyncio.Semaphore(args.limit)
    recorder.begin_row("Semaphore, async with in each task", args.limit)
    s_peak, s_tasks, s_ratio, s_secs = await row("semaphore", "asyncio.Semaphore in each task",
                                         limited_by_semaphore(port, args.requests, sem, tasks,
                                                              recorder.permits_left), rounds)
    recorder.begin_row("limit workers, one iterator")
    b_peak, _, b_ratio, _ = await row("buffered", "limit workers, one iterator",
                                   limited_by_workers(port, args.requests, args.limit), rounds)
    recorder.begin_row("no limit, a task per request")
    u_peak, u_tasks, u_ratio, u_secs = await row("unlimited", "no limit, a task per request",
                                         unlimited(port, args.requests, tasks), 1)
    before = await available_now(sem)
    sem.release()  # the mistake: a release without an acquire
    after = await available_now(sem)
    n, limit, ms = args.requests, args.limit, args.latency_ms
    print()
    print("seconds = the row's wall time.")
    print(f"rounds  = the {ms} ms waits the row needs one after another if only the waits")
    print(f"          cost: {n} requests, {limit} at a time: {n}/{limit} = {rounds}; with no limit, 1.")
    print(f"ratio   = seconds / (rounds x {ms} ms): 1.00 is the waits alone; the rest is the")
    print(f"          work of sending and reading. unlimited: {u_secs:.3f} s = {u_ratio:.2f} x 1 x "
          f"{ms} ms:")
    print(f"          its one wait, and {u_secs - latency:.3f} s of work for {n} requests at once "
          "on one thread;")
    print(f"          semaphore, for comparison: {s_secs - rounds * latency:.3f} s beyond its "
          f"{rounds} waits.")
    print("peak    = most requests the server had in progress at the same moment (its count).")
    print("tasks   = most request tasks (asyncio.create_task, one per request) alive at once:")
    print(f"          with `async with sem` inside each task, all {n} exist, {n - limit} of them")
    print("          waiting for the semaphore;")
    print(f"          the workers row starts none per request: {limit} workers share one iterator.")
    print()
    print(f"permits available after the semaphore row: {before} of {limit}; then one stray "
          f"release(), with no acquire:")
    print(f"available_after {after}: asyncio.Semaphore counts it, and now lets {after} in at once")
    print(f"ideal_s {latency * (2 * rounds + 1):.3f}: what the waits alone would take: "
          f"({rounds} + {rounds} + 1) rounds x {ms} ms")
    server.close()
    await server.wait_closed()
    if args.trace is not None and not write_trace(trace, args.trace, args.requests):
        return 1
    ideal = latency * (2 * rounds + 1)
    print(f"summary: requests={args.requests} limit={args.limit} latency_ms={args.latency_ms} "
          f"peak_semaphore={s_peak} tasks_semaphore={s_tasks} ratio_semaphore={s_ratio:.3f} "
          f"peak_buffered={b_peak} ratio_buffered={b_ratio:.3f} peak_unlimited={u_peak} "
          f"tasks_unlimited={u_tasks} ratio_unlimited={u_ratio:.3f} available_after={after} "
          f"ideal_s={ideal:.3f}")


def write_trace(trace, path, requests):
    if requests > DRAWN:
        note = (f"a row draws at most {DRAWN} lanes of requests in flight; the counter of "
                f"requests in flight counts all {requests}")
        trace.note(note)
        print(f"trace: {note}")
    try:
        trace.write(path)
    except OSError as e:
        print(f"error: cannot write the trace to {path} ({e.strerror}); check that its "
              "folder exists", file=sys.stderr)
        return False
    print(f"trace written to {path} (open it in ui.perfetto.dev or vizviewer)")
    return True


MIB = 1 << 20
PER_REQUEST = 32 << 10  # address space per request in flight: 13 to 18 KiB measured (VmSize)


def check_memory(requests):
    """None if every request in flight at once (the row without a limit) fits in the address
    space `ulimit -v` allows, else the error line: checked before the run, so that it never
    ends halfway in a MemoryError."""
    limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    if limit == resource.RLIM_INFINITY:
        return None
    try:
        with open("/proc/self/status") as f:
            used = next(int(l.split()[1]) for l in f if l.startswith("VmSize:")) * 1024
    except (OSError, StopIteration, ValueError):
        used = 0
    needed = requests * PER_REQUEST + 64 * MIB
    if used + needed <= limit:
        return None
    fits = max(0, limit - used - 64 * MIB) // PER_REQUEST
    lower = f"lower --requests to {fits}, or " if fits > 1 else ""
    return (f"without a limit all {requests} requests are in flight at once (--requests "
            f"{requests}): about {needed // MIB} MiB of address space, but ulimit -v allows "
            f"{limit // MIB} MiB; {lower}raise ulimit -v to {-(-(used + needed) // 1024)}")


def main():
    parser = argparse.ArgumentParser(description="Limit concurrency with asyncio.Semaphore")
    parser.add_argument("--requests", type=int, default=200, help="how many requests to send")
    parser.add_argument("--limit", type=int, default=10, help="how many may be in flight at once")
    parser.add_argument("--latency-ms", type=int, default=50, help="the server's time per request")
    parser.add_argument("--trace", metavar="FILE", help="write the run to FILE as a Chrome "
                        "trace (open it in ui.perfetto.dev or vizviewer)")
    args = parser.parse_args()
    if not 2 <= args.requests <= 10_000 or not 1 <= args.limit < args.requests or args.latency_ms < 1:
        parser.error("need 2 <= --requests <= 10000, 1 <= --limit < --requests, --latency-ms >= 1")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 2 * args.requests + 64
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            print(f"error: {needed} open files needed, the hard limit is {hard} (ulimit -Hn); "
                  "use fewer --requests", file=sys.stderr)
            return 1
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    if problem := check_memory(args.requests):
        print(f"error: {problem}", file=sys.stderr)
        return 1
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
