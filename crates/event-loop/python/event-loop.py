#!/usr/bin/env python3
"""event-loop, the Python side: a tiny event loop from scratch, then asyncio.

The loop keeps a queue of ready tasks. A task here is a generator: it runs
until it would block, then yields what it waits for ("read", sock),
("write", sock) or ("sleep", deadline), and the loop parks it. When nothing
is ready, one selector.select() call waits for a socket or the nearest
timer, and whatever became ready goes back on the queue. This is how asyncio
started (generator-based coroutines with `yield from`); the Rust crate does
the same with futures, wakers and poll(2).

The same tasks then run on asyncio and the results are compared.

    python3 crates/event-loop/python/event-loop.py
    python3 crates/event-loop/python/event-loop.py --narrate --clients 2 --runtime scratch
    python3 crates/event-loop/python/event-loop.py --clients 2 --trace t.json
"""

import argparse
import asyncio
import collections
import errno
import heapq
import selectors
import socket
import sys
import textwrap
import time

# How many connections may wait in the accept queue, as tokio (and the Rust side) allow:
# with the default of 128 a burst of clients overflows it, and each dropped one retries a
# whole second later.
BACKLOG = 1024

# ---------------------------------------------------------------- the scenario
# In steps (default 100 ms): the server answers client i after i steps; the
# sleepers nap 0.5, 2.5 and 3.5 steps, so no two tasks finish together.


def sleepers(step):
    return [("nap", step / 2), ("rest", step * 5 / 2), ("long", step * 7 / 2)]


def waits(clients, step):
    return [step * i for i in range(1, clients + 1)] + [d for _, d in sleepers(step)]


def greeting(i):
    return f"hello from client {i}\n".encode()


def client_of(line):
    return int(line.split()[-1])


class Log:
    """Tasks append (name, value, seconds since start) as they finish."""

    def __init__(self):
        self.start = time.perf_counter()
        self.records = []

    def record(self, task, value):
        self.records.append((task, value, time.perf_counter() - self.start))


# ---------------------------------------------------------------- the loop from scratch


class Chart:
    """--trace: the scratch loop's polls, parks and wake-ups, one track per task, with the
    Rust side's names (the Rust loop waits in poll(2), this one in select())."""

    def __init__(self, trace):
        self.trace = trace
        if trace.on:
            self.group = trace.group("scratch loop: ONE thread, a ready queue, select()")
            self.loop = trace.track(self.group, "the loop (executor + reactor)")
        self.tracks, self.parked, self.queue_len = {}, {}, 0

    def spawned(self, tid, label):
        if self.trace.on:
            self.tracks[tid] = self.trace.track(self.group, label)
            self.trace.instant(self.tracks[tid], "spawned", time.perf_counter())

    def polled(self, tid, n, t0, done, parking):
        if not self.trace.on:
            return
        now = time.perf_counter()
        track = self.tracks[tid]
        what = "runs to its end" if done else "runs to a yield that waits"
        self.trace.slice(track, "polled (runs)", f"poll #{n}: {what}", t0, now)
        if done:
            self.trace.instant(track, "done", now)
        else:
            self.parked[tid] = (now,) + parking

    def woken(self, tid, reason):
        if self.trace.on:
            now = time.perf_counter()
            if tid in self.parked:
                since, kind, what = self.parked.pop(tid)
                self.trace.slice(self.tracks[tid], kind, what, since, now)
            self.trace.instant(self.tracks[tid], f"woken: {reason}", now)

    def waited(self, t0, fds, timeout, woke):
        if self.trace.on:
            limit = "no timer" if timeout is None else f"timeout {-(-timeout * 1000 // 1):.0f} ms"
            name = f"select(): {fds} fd(s), {limit} -> wakes {woke} task(s)"
            self.trace.slice(self.loop, "waits in select()", name, t0, time.perf_counter())

    def queue(self, n):
        if self.trace.on and n != self.queue_len:
            self.queue_len = n
            self.trace.counter(self.group, "tasks in the ready queue", time.perf_counter(), n)


def finished(trace, group, start, records):
    """asyncio's run as its tasks saw it: each task from the start to its end."""
    if not trace.on:
        return
    group = trace.group(group)
    for place, (task, value, at) in enumerate(records, 1):
        track = trace.track(group, task)
        trace.slice(track, "runs (polled and parked)", f"{task}: finished #{place} ({value})",
                    start, start + at)
        trace.instant(track, "done", start + at)


class Loop:
    def __init__(self, trace, chart):
        self.trace_on = trace
        self.chart = chart
        self.parking = None
        self.start = time.perf_counter()
        self.ready = collections.deque()  # ids of tasks that can run now
        self.tasks = {}  # id -> generator
        self.names = []
        self.selector = selectors.DefaultSelector()  # the reactor's fd half
        self.timers = []  # the reactor's timer half: a heap of (deadline, seq, id)
        self.seq = 0
        self.current = None
        self.polls = self.parks_on_io = self.timers_set = self.waits = self.wakeups = 0

    def trace(self, what):
        if self.trace_on:
            print(f"  {'+%.3fs' % (time.perf_counter() - self.start):>8}  {what}")

    def label(self, tid):
        return f"task {tid} ({self.names[tid]})"

    def spawn(self, name, gen):
        tid = len(self.names)
        self.names.append(name)
        self.tasks[tid] = gen
        self.ready.append(tid)
        self.trace(f"spawned {self.label(tid)}")
        self.chart.spawned(tid, self.label(tid))

    def park(self, tid, request):
        kind, what, detail = request
        if kind == "yield":  # hands the thread back: straight to the back of the ready queue
            self.trace(f"{self.label(tid)} yields: back of the ready queue")
            self.ready.append(tid)
            return ("yields", "back of the ready queue")
        if kind == "sleep":
            self.timers_set += 1
            self.seq += 1
            heapq.heappush(self.timers, (what, self.seq, tid))
            self.trace(f"timer for {self.label(tid)} at +{round((what - self.start) * 1000)}ms")
            return ("parked on a timer", f"sleep: parked until +{round((what - self.start) * 1000)} ms")
        else:
            self.parks_on_io += 1
            event = selectors.EVENT_READ if kind == "read" else selectors.EVENT_WRITE
            self.selector.register(what, event, tid)
            ready = "readable" if kind == "read" else "writable"
            self.trace(f"{self.label(tid)} pending on fd {what.fileno()}: {detail} would block, wait until {ready}")
            return ("parked on I/O", f"{detail} would block: parked until fd {what.fileno()} is {ready}")

    def wait(self):
        self.waits += 1
        timeout = None
        if self.timers:
            timeout = max(0.0, self.timers[0][0] - time.perf_counter())
        fds = " ".join(
            f"{k.fd}:{'read' if k.events == selectors.EVENT_READ else 'write'}"
            for k in self.selector.get_map().values()
        )
        limit = "none" if timeout is None else f"{-(-timeout * 1000 // 1):.0f} ms"
        self.trace(f"poll({len(self.selector.get_map())} fds [{fds}], timeout {limit})")
        woken = []
        t0, nfds = time.perf_counter(), len(self.selector.get_map())
        # With no fd to watch only a timer is left (kqueue would not sleep on an empty set).
        events = self.selector.select(timeout) if self.selector.get_map() else time.sleep(timeout) or []
        for key, mask in events:
            self.selector.unregister(key.fileobj)
            ready = "readable" if mask & selectors.EVENT_READ else "writable"
            woken.append((key.data, f"fd {key.fd} {ready}"))
        now = time.perf_counter()
        while self.timers and self.timers[0][0] <= now:
            deadline, _, tid = heapq.heappop(self.timers)
            woken.append((tid, f"timer +{round((deadline - self.start) * 1000)}ms due"))
        self.chart.waited(t0, nfds, timeout, len(woken))
        for tid, reason in woken:
            self.trace(f"woke {self.label(tid)}: {reason}")
            self.chart.woken(tid, reason)
            self.wakeups += 1
            self.ready.append(tid)

    def run(self):
        while self.tasks:
            while self.ready:
                self.chart.queue(len(self.ready))
                tid = self.ready.popleft()
                gen = self.tasks.get(tid)
                if gen is None:
                    continue
                self.trace(f"polled {self.label(tid)}")
                self.chart.queue(len(self.ready))
                self.current = tid
                self.polls += 1
                t0 = time.perf_counter()
                try:
                    request = next(gen)
                except StopIteration:
                    self.chart.polled(tid, self.polls, t0, True, None)
                    self.trace(f"{self.label(tid)} done")
                    del self.tasks[tid]
                    continue
                self.chart.polled(tid, self.polls, t0, False, self.park(tid, request))
            if self.tasks:
                if not self.timers and not self.selector.get_map():
                    raise RuntimeError("tasks are pending but nothing can wake them")
                self.wait()
        self.selector.close()


LOOP = None  # the running loop, so tasks can spawn (asyncio keeps one per thread too)


# Leaf operations: try; on BlockingIOError yield what to wait for, then retry.


def yield_now():
    """Hand the thread back once, as `await asyncio.sleep(0)` does."""
    yield ("yield", None, "yield")


def sleep(seconds):
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        yield ("sleep", deadline, "sleep")


def accept(listener):
    while True:
        try:
            conn, _ = listener.accept()
            conn.setblocking(False)
            return conn
        except BlockingIOError:
            yield ("read", listener, "accept")


def connect(addr):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    err = sock.connect_ex(addr)
    if err in (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
        yield ("write", sock, "connect")
        err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if err:
        sock.close()
        raise OSError(err, f"connect to {addr}: {errno.errorcode.get(err, err)}")
    return sock


def recv_line(sock):
    line = b""
    while b"\n" not in line:
        try:
            chunk = sock.recv(256)
        except BlockingIOError:
            yield ("read", sock, "read")
            continue
        if not chunk:
            break
        line += chunk
    return line.decode()


def send_all(sock, data):
    while data:
        try:
            data = data[sock.send(data):]
        except BlockingIOError:
            yield ("write", sock, "write")


# The tasks, written for the loop above.


def recorded(name, log, gen):
    try:
        yield from gen
    except OSError as e:
        log.record(name, f"failed: {e}")


def server(clients, step, listener, log):
    for _ in range(clients):
        conn = yield from accept(listener)
        LOOP.spawn("echo", recorded("echo", log, echo(step, conn, log)))
    log.record("server", f"accepted {clients} connections")


def echo(step, conn, log):
    with conn:
        line = yield from recv_line(conn)
        client = client_of(line)
        yield from sleep(step * client)
        yield from send_all(conn, line.encode())
    log.record(f"echo-{client}", f'echoed "{line.strip()}" after {round(step * client * 1000)} ms')


def client(i, addr, log):
    sock = yield from connect(addr)
    with sock:
        yield from send_all(sock, greeting(i))
        reply = yield from recv_line(sock)
    log.record(f"client-{i}", f'got "{reply.strip()}"')


def sleeper(name, seconds, log):
    yield from sleep(seconds)
    log.record(name, f"slept {round(seconds * 1000)} ms")


def run_scratch(clients, step, narrate, trace):
    global LOOP
    listener = socket.create_server(("127.0.0.1", 0), backlog=BACKLOG)
    listener.setblocking(False)
    addr = listener.getsockname()
    if narrate:
        print(f"\nthe scratch loop's decisions (server on {addr[0]}:{addr[1]}):")
    LOOP = Loop(narrate, Chart(trace))
    log = Log()
    LOOP.spawn("server", recorded("server", log, server(clients, step, listener, log)))
    for i in range(1, clients + 1):
        LOOP.spawn(f"client-{i}", recorded(f"client-{i}", log, client(i, addr, log)))
    for name, seconds in sleepers(step):
        LOOP.spawn(name, recorded(name, log, sleeper(name, seconds, log)))
    t0 = time.perf_counter()
    try:
        LOOP.run()
    finally:
        listener.close()
    elapsed = time.perf_counter() - t0
    stats = LOOP
    print(f"\nscratch loop (the one above, ONE thread): what it did to run the {len(stats.names)} tasks. It keeps a\n"
          "ready queue, the tasks that can run now, in line, and runs them one at a time:")
    rows = [
        ("polls", stats.polls, "a poll is one next(task): the generator runs until it yields what it waits "
                               "for, or ends (Rust: one poll of a future, up to an .await that cannot go on)"),
        ("parks_on_io", stats.parks_on_io, "parked on I/O: the task's socket was not ready (recv or accept raised "
                                           "BlockingIOError, a connect under way), so the task is set aside, off "
                                           "the ready queue, until it is"),
        ("timers", stats.timers_set, "parked on a timer: a sleep set the task aside until its deadline"),
        ("select() waits", stats.waits, "no task was ready, so the thread slept in ONE selector.select(): it "
                                        "returns when one of the sockets is ready or the nearest deadline "
                                        "passes (Rust's loop calls poll(2) here); not a poll of a task"),
        ("wakeups", stats.wakeups, "a wake-up: a socket turned ready or a deadline passed, so the reactor (the "
                                   "part of the loop that waits) put that parked task back on the ready queue"),
    ]
    for name, count, meaning in rows:
        lines = textwrap.wrap(meaning, 80)
        print(f"  {name:<14} {count:>4}  {lines[0]}")
        for line in lines[1:]:
            print(f"  {'':<14} {'':>4}  {line}")
    return log.records, elapsed, stats


# ---------------------------------------------------------------- the same tasks on asyncio


async def a_server(clients, step, listener, log):
    loop = asyncio.get_running_loop()
    async with asyncio.TaskGroup() as echoes:  # waits for every echo task it started
        for _ in range(clients):
            conn, _ = await loop.sock_accept(listener)
            echoes.create_task(a_echo(step, conn, log))
        log.record("server", f"accepted {clients} connections")


async def a_echo(step, conn, log):
    loop = asyncio.get_running_loop()
    with conn:
        line = await a_recv_line(conn)
        client = client_of(line)
        await asyncio.sleep(step * client)
        await loop.sock_sendall(conn, line.encode())
    log.record(f"echo-{client}", f'echoed "{line.strip()}" after {round(step * client * 1000)} ms')


async def a_client(i, addr, log):
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    with sock:
        await loop.sock_connect(sock, addr)
        await loop.sock_sendall(sock, greeting(i))
        reply = await a_recv_line(sock)
    log.record(f"client-{i}", f'got "{reply.strip()}"')


async def a_sleeper(name, seconds, log):
    await asyncio.sleep(seconds)
    log.record(name, f"slept {round(seconds * 1000)} ms")


async def a_recv_line(sock):
    loop = asyncio.get_running_loop()
    line = b""
    while b"\n" not in line:
        chunk = await loop.sock_recv(sock, 256)
        if not chunk:
            break
        line += chunk
    return line.decode()


async def a_main(clients, step):
    listener = socket.create_server(("127.0.0.1", 0), backlog=BACKLOG)
    listener.setblocking(False)
    addr = listener.getsockname()
    log = Log()
    t0 = time.perf_counter()
    a_main.log_start = log.start  # for --trace: the records' clock
    try:
        with listener:
            async with asyncio.TaskGroup() as tasks:  # holds a reference to every task
                tasks.create_task(a_server(clients, step, listener, log))
                for i in range(1, clients + 1):
                    tasks.create_task(a_client(i, addr, log))
                for name, seconds in sleepers(step):
                    tasks.create_task(a_sleeper(name, seconds, log))
    except* OSError as failed:
        raise first_of(failed)  # one line for the user, as the scratch loop reports it
    return log.records, time.perf_counter() - t0


def first_of(group):
    """The first plain exception inside a (possibly nested) ExceptionGroup."""
    while isinstance(group, BaseExceptionGroup):
        group = group.exceptions[0]
    return group


# ---------------------------------------------------------------- which task runs next?
# Note 002 says the loop takes "the first task, by priority, not order". Measured on each
# loop: five tasks made ready in a known order, each handing the thread back once, and four
# sleeps armed out of order (0.4, 0.1, 0.3, 0.2 steps).

READY = ["t1", "t2", "t3", "t4", "t5"]
ARMED_TENTHS = [4, 1, 3, 2]


def armed_ms(step):
    return [round(step * 1000 * t / 10) for t in ARMED_TENTHS]


def ready_order(ran):
    """fifo: both rounds in the order the tasks became ready; lifo: both reversed."""
    if len(ran) != 2 * len(READY):
        return "other"
    rounds = []
    for r in (ran[:len(READY)], ran[len(READY):]):
        rounds.append("fifo" if r == READY else "lifo" if r == READY[::-1] else "other")
    return {("fifo", "fifo"): "fifo", ("lifo", "lifo"): "lifo", ("fifo", "lifo"): "fifo-then-lifo"}.get(
        tuple(rounds), "other")


def timer_order(armed, fired):
    return "deadline" if fired == sorted(armed) else "armed" if fired == armed else "other"


def order_on_scratch(step):
    ran, fired = [], []

    def ready_task(name):
        ran.append(name)
        yield from yield_now()
        ran.append(name)

    def sleeper_task(ms):
        yield from sleep(ms / 1000)
        fired.append(ms)

    loop = Loop(False, Chart(Trace(on=False)))
    for name in READY:
        loop.spawn(name, ready_task(name))
    for ms in armed_ms(step):
        loop.spawn(f"sleep {ms} ms", sleeper_task(ms))
    loop.run()
    return ran, fired


async def a_order(step):
    ran, fired = [], []

    async def ready_task(name):
        ran.append(name)
        await asyncio.sleep(0)  # hand the thread back once
        ran.append(name)

    async def sleeper_task(ms):
        await asyncio.sleep(ms / 1000)
        fired.append(ms)

    async with asyncio.TaskGroup() as tasks:
        for name in READY:
            tasks.create_task(ready_task(name))
        for ms in armed_ms(step):
            tasks.create_task(sleeper_task(ms))
    return ran, fired


def print_order(step, runs):
    armed = armed_ms(step)
    print('\nwhich task runs next? Note 002 says the loop takes "the first task, by priority, not order". Measured:\n'
          f"  {len(READY)} tasks made ready in the order {' '.join(READY)}, each handing the thread back once\n"
          f"  (await asyncio.sleep(0); the scratch loop: a bare yield), and {len(armed)} sleeps armed in the order "
          f"{' '.join(map(str, armed))} ms:")
    print(f"    {'loop':<13} {'ran the ready tasks':<32} {'ready_order':<15} {'timers fired (ms)':<18} timer_order")
    for name, result in runs:
        if result is None:
            continue
        ran, fired = result
        shown = f"{' '.join(ran[:len(READY)])} | {' '.join(ran[len(READY):])}"
        print(f"    {name:<13} {shown:<32} {ready_order(ran):<15} {' '.join(map(str, fired)):<18} "
              f"{timer_order(armed, fired)}")
    print("  fifo: first in, first out: the loop ran the ready tasks in the order they became ready, and a\n"
          "  task that hands the thread back joins the back of the queue (asyncio's loop._ready is a deque).\n"
          "  deadline: a sleeping task is not in the ready queue at all; the timers are kept in a heap by\n"
          "  deadline and each task rejoins the queue when its deadline passes, whatever order they were armed in.\n"
          '  So the note\'s "by priority, not order" is imprecise: no task has a priority. Ready tasks run in\n'
          "  the order they became ready; only timers are sorted, by deadline, and that decides WHEN a task\n"
          "  becomes ready, not which ready task goes first.")


# ---------------------------------------------------------------- output


def order(records):
    return " ".join(r[0] for r in records)


def print_results(title, records):
    print(f"\n{title}: tasks in the order they finished")
    print(f"  {'#':>2}  {'task':<9} {'finished':>9}  result")
    for n, (task, value, at) in enumerate(records, 1):
        print(f"  {n:>2}  {task:<9} {'+%.3fs' % at:>9}  {value}")
    print(f"finish order ({title}): {order(records)}")


def compare(ours, theirs):
    print("\nthe same tasks, scratch loop vs asyncio's own loop (asyncio.run, ONE thread), in the order they finished")
    print(f"  {'#':>2}  {'scratch':<9} {'at':>9}  {'asyncio':<9} {'at':>9}  {'same':<4}  result")
    all_same = len(ours) == len(theirs)
    for n in range(max(len(ours), len(theirs))):
        a = ours[n] if n < len(ours) else ("-", "", None)
        b = theirs[n] if n < len(theirs) else ("-", "", None)
        same = a[:2] == b[:2]
        all_same = all_same and same
        at = lambda r: "-" if r[2] is None else "+%.3fs" % r[2]  # noqa: E731
        value = a[1] if same else f"{a[1]} | {b[1]}"
        print(f"  {n + 1:>2}  {a[0]:<9} {at(a):>9}  {b[0]:<9} {at(b):>9}  {'yes' if same else 'NO':<4}  {value}")
    print(f"finish order (scratch loop): {order(ours)}")
    print(f"finish order (asyncio): {order(theirs)}")
    print(f"same_results (every row: the same task, the same result, on both loops): {str(all_same).lower()}")
    return all_same


def main():
    p = argparse.ArgumentParser(description="An event loop from scratch (generators + selectors) beside asyncio.")
    p.add_argument("--narrate", action="store_true", help="print each scheduling decision of the scratch loop")
    p.add_argument("--trace", metavar="FILE",
                   help="write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer)")
    p.add_argument("--clients", type=int, default=3, help="number of client tasks, 1..50 (default 3)")
    p.add_argument(
        "--runtime",
        choices=["scratch", "asyncio", "tokio", "both"],
        default="both",
        help="which loop runs the tasks ('tokio' means asyncio here; default both)",
    )
    p.add_argument("--step-ms", type=int, default=100, help="time unit in ms, 20..2000 (default 100)")
    args = p.parse_args()
    if not 1 <= args.clients <= 50:
        p.error("--clients must be in 1..50")
    if not 20 <= args.step_ms <= 2000:
        p.error("--step-ms must be in 20..2000")
    if args.narrate and args.runtime in ("asyncio", "tokio"):
        p.error("--narrate prints the scratch loop's decisions, and asyncio's stay inside asyncio: "
                "use --runtime scratch (or both), or drop --narrate")
    step = args.step_ms / 1000
    clients = args.clients
    ntasks = 1 + 2 * clients + 3
    print(f"{ntasks} tasks: 1 echo server, {clients} clients (+{clients} echo tasks), 3 sleepers; step {args.step_ms} ms\n"
          "  (the step is the time unit: client i's echo comes i steps after it asks; the sleepers nap 0.5, 2.5, 3.5 steps)")

    scratch = asyncio_run = None
    trace = Trace(on=bool(args.trace))
    try:
        if args.runtime in ("scratch", "both"):
            scratch = run_scratch(clients, step, args.narrate, trace)
        if args.runtime in ("asyncio", "tokio", "both"):
            asyncio_run = asyncio.run(a_main(clients, step))
            finished(trace, "asyncio: the same tasks, as they saw it", a_main.log_start,
                     asyncio_run[0])
    except BrokenPipeError:
        raise  # the reader is gone: the frame below ends quietly
    except (OSError, RuntimeError) as e:
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise  # stdout is full: the frame below says so
        print(f"error: {e}; is loopback up? run again with --narrate to see where", file=sys.stderr)
        return 1

    matches = None
    if scratch and asyncio_run:
        matches = compare(scratch[0], asyncio_run[0])
    elif scratch:
        print_results("scratch loop", scratch[0])
    else:
        print_results("asyncio", asyncio_run[0])
    for records in (scratch and scratch[0], asyncio_run and asyncio_run[0]):
        for task, value, _ in records or []:
            if value.startswith("failed"):
                print(f"error: task {task} {value}; run again, or with --narrate to see where", file=sys.stderr)
                return 1

    longest, total = max(waits(clients, step)), sum(waits(clients, step))
    print(f"\nwaits in the tasks: longest_wait_s {longest:.3f} (the longest single wait), "
          f"sum_of_waits_s {total:.3f} (all of them added up)")
    print(f"  {'loop':<30} {'elapsed':>9}  {'x longest wait':>14}  {'x sum of waits':>14}")
    for name, run in (("scratch loop (elapsed_s)", scratch), ("asyncio (library_elapsed_s)", asyncio_run)):
        if run:
            e = run[1]
            print(f"  {name:<30} {e:>7.3f} s  {e / longest:>14.2f}  {e / total:>14.2f}")

    ours = order_on_scratch(step) if scratch else None
    theirs = asyncio.run(a_order(step)) if asyncio_run else None
    print_order(step, [("scratch loop", ours), ("asyncio", theirs)])
    runs = (scratch is not None) + (asyncio_run is not None)
    order_longest = max(armed_ms(step)) / 1000
    ideal = (longest + order_longest) * runs
    print(f"\nideal_s {ideal:.3f}: the time the deliberate waits alone take. On one loop they overlap, so each loop\n"
          f"costs its longest wait ({longest:.3f} s) plus the order test's longest sleep ({order_longest:.3f} s); "
          f"{runs} loop(s) ran, one after the other.")

    if args.trace:
        try:
            trace.write(args.trace)
        except OSError as e:
            if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                raise
            print(f"error: cannot write the trace to {args.trace}; check that its folder exists: "
                  f"{e.strerror}", file=sys.stderr)
            return 1
        print(f"trace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")
    elapsed = scratch[1] if scratch else asyncio_run[1]
    stats = scratch[2] if scratch else None
    order = ours or theirs
    na = "na"
    print(
        f"summary: tasks={ntasks} clients={clients} elapsed_s={elapsed:.3f} "
        f"library_elapsed_s={'%.3f' % asyncio_run[1] if asyncio_run else na} "
        f"longest_wait_s={longest:.3f} sum_of_waits_s={total:.3f} "
        f"same_results={na if matches is None else str(matches).lower()} "
        f"polls={stats.polls if stats else na} parks_on_io={stats.parks_on_io if stats else na} "
        f"wakeups={stats.wakeups if stats else na} ready_order={ready_order(order[0])} "
        f"timer_order={timer_order(armed_ms(step), order[1])} ideal_s={ideal:.3f}"
    )
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
