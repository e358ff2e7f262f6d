"""The Python side of chat-server: asyncio's streams (Fowler ch. 8), a chat server and its
clients on ONE event loop. Each line a client says is put into every other client's inbox;
an inbox keeps at most --capacity lines (a reader past them has "lagged": the oldest are
dropped and it is told how many), and a write may wait --patience-ms for the socket to
drain before that client is dropped. Same parts and summary keys as the Rust demo:
fan-out latency at 10, 100 (1,000) clients, then 7 fast readers, one paused, one stuck."""

import argparse
import asyncio
import collections
import socket
import threading
import time

OWED = 20.0  # seconds a client waits for a line it is owed before the run fails
SEND_BUFFER = 64 * 1024
SMALL_RECEIVE_BUFFER = 4 * 1024
LINE_BYTES = 1000
BATCH = 16


class Inbox:
    """One client's bounded inbox: tokio's broadcast receiver, in asyncio's words."""

    def __init__(self, capacity):
        self.lines = collections.deque()
        self.capacity = capacity
        self.skipped = 0
        self.ready = asyncio.Event()

    def put(self, line):
        if len(self.lines) >= self.capacity:
            self.lines.popleft()  # the oldest is overwritten: this reader is behind
            self.skipped += 1
        self.lines.append(line)
        self.ready.set()


class Room:
    def __init__(self, capacity, patience, trace):
        self.capacity, self.patience, self.trace = capacity, patience, trace
        self.inboxes = {}
        self.next_id = 0
        self.counts = collections.Counter()
        self.tasks = set()
        group = trace.group("the server: one thread, one task per client")
        self.group, self.track = group, trace.track(group, "event loop thread")

    def here(self):
        return len(self.inboxes)

    async def handle(self, reader, writer):
        """One client: a reader loop here, a writer task beside it."""
        self.next_id += 1
        client = self.next_id
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        writer.transport.set_write_buffer_limits(high=SEND_BUFFER)
        inbox = self.inboxes[client] = Inbox(self.capacity)
        self.counts["joined"] += 1
        self.counts["most_here"] = max(self.counts["most_here"], self.here())
        self.trace.counter(self.group, "clients connected", time.perf_counter(), self.here())
        why = "quit"
        sending = asyncio.create_task(self.send_to(client, inbox, writer))
        try:
            writer.write(f"welcome, you are #{client}; {self.here()} here\n".encode())
            while not sending.done():
                line = await reader.readline()
                if not line:
                    break
                self.say(client, line.decode().rstrip("\n"))
        except (ConnectionError, OSError):
            pass
        except asyncio.CancelledError:
            pass  # the run is over: asyncio.run cancels us; ending normally keeps 3.11 quiet
        finally:
            if sending.done() and not sending.cancelled() and sending.result() == "dropped":
                why = "dropped"
            sending.cancel()
            await asyncio.gather(sending, return_exceptions=True)
            del self.inboxes[client]
            self.counts[why] += 1
            now = time.perf_counter()
            if why == "dropped":
                self.trace.instant(self.track, f"#{client} dropped: a write waited past the patience", now)
            self.trace.counter(self.group, "clients connected", now, self.here())
            writer.close()

    def say(self, client, text):
        line = f"#{client}: {text}\n".encode()
        for other, inbox in self.inboxes.items():
            if other != client:
                inbox.put(line)
        self.counts["said"] += 1

    async def send_to(self, client, inbox, writer):
        """Writes what the inbox holds; a drain that waits past the patience drops the client."""
        while True:
            await inbox.ready.wait()
            inbox.ready.clear()
            while inbox.lines:
                if inbox.skipped:
                    skipped, inbox.skipped = inbox.skipped, 0
                    self.counts["lag_notices"] += 1
                    self.counts["skipped"] += skipped
                    self.trace.instant(self.track, f"#{client} lagged: told it skipped {skipped} lines",
                                       time.perf_counter())
                    writer.write(f"*** you are too slow: {skipped} lines skipped\n".encode())
                writer.write(inbox.lines.popleft())
                try:
                    async with asyncio.timeout(self.patience):
                        await writer.drain()
                except TimeoutError:
                    writer.transport.abort()
                    return "dropped"
                except (ConnectionError, OSError):
                    return "quit"
                self.counts["delivered"] += 1


async def join(port, n, small=0):
    clients = []
    for i in range(n):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        if i + small >= n:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_RECEIVE_BUFFER)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        clients.append(sock)
    joined = []
    for sock in clients:
        # A StreamReader reads ahead into its own buffer, up to twice its limit (64 KiB), then
        # stops reading: a client that never calls readline() holds about 128 KiB there.
        reader, writer = await asyncio.open_connection(sock=sock)
        greeting = (await asyncio.wait_for(reader.readline(), OWED)).decode()
        client = int(greeting.removeprefix("welcome, you are #").split(";")[0])
        joined.append((client, reader, writer))
    return joined


def number_in(line, tag):
    said = line.split(": ", 1)
    if len(said) == 2 and said[1].startswith(tag):
        return int(said[1][len(tag):].split(" ")[0])
    return None


async def report_arrivals(who, reader, tag, arrivals):
    while line := await reader.readline():
        n = number_in(line.decode(), tag)
        if n is not None:
            arrivals.put_nowait((who, n, time.perf_counter()))


async def take(arrivals, count):
    got = []
    async with asyncio.timeout(OWED):
        while len(got) < count:
            got.append(await arrivals.get())
    return got


def median(values):
    values = sorted(values)
    return values[len(values) // 2] if values else 0.0


async def everyone_gone(room):
    async with asyncio.timeout(OWED):
        while room.here():
            await asyncio.sleep(0.002)


async def fan_out(port, n, rounds, room, trace):
    await everyone_gone(room)
    clients = await join(port, n)
    sayer_id, _, sayer = clients[0]
    others = clients[1:]
    arrivals = asyncio.Queue()
    group = trace.group(f"fan-out: {n} clients")
    sayer_track = trace.track(group, f"#{sayer_id} says a line per round")
    drawn = [trace.track(group, f"#{c[0]} gets it") for c in others[:5]]
    first, last, received = [], [], 0
    async with asyncio.TaskGroup() as tg:
        readers = [tg.create_task(report_arrivals(who, c[1], "round ", arrivals))
                   for who, c in enumerate(others)]
        for r in range(rounds):
            said = time.perf_counter()
            sayer.write(f"round {r}\n".encode())
            await sayer.drain()
            got = await take(arrivals, n - 1)
            received += sum(1 for _, m, _ in got if m == r)
            times = [at for _, _, at in got]
            first.append((min(times) - said) * 1e3)
            last.append((max(times) - said) * 1e3)
            trace.slice(sayer_track, "fan-out",
                        f"round {r}: all {n - 1} others had it after {last[-1]:.2f} ms", said, max(times))
            for who, _, at in got:
                if who < len(drawn):
                    trace.slice(drawn[who], "line in flight",
                                f"round {r}: arrived after {(at - said) * 1e3:.2f} ms", said, at)
        for task in readers:
            task.cancel()
    for _, _, writer in clients:
        writer.close()
    return {"clients": n, "rounds": rounds, "received": received, "expected": rounds * (n - 1),
            "first_ms": median(first), "fanout_ms": median(last), "worst_ms": max(last, default=0.0),
            "server_threads": 1, "process_threads": threading.active_count()}


async def read_after_pause(reader, total, resume):
    await resume.wait()
    got, skipped, told = 0, 0, None
    async with asyncio.timeout(OWED):
        while line := (await reader.readline()).decode():
            if line.startswith("*** you are too slow: "):
                skipped += int(line.split(": ")[1].split(" ")[0])
                told = time.perf_counter()
            elif (m := number_in(line, "m")) is not None:
                got += 1
                if m + 1 == total:
                    return got, skipped, told
    raise RuntimeError("the paused reader did not get the last line")


async def drain_stuck(reader):
    got = 0
    try:
        async with asyncio.timeout(OWED):
            while await reader.readline():
                got += 1
    except TimeoutError:
        return got, False
    except ConnectionError:
        pass
    return got, True


async def slow_readers(port, lines, room, trace):
    await everyone_gone(room)
    before = collections.Counter(room.counts)
    start = time.perf_counter()
    clients = await join(port, 10, small=2)
    (sayer_id, _, sayer), fast, lagging, stuck = clients[0], clients[1:8], clients[8], clients[9]
    group = trace.group("slow readers: 7 fast, 1 paused, 1 never reads")
    sayer_track = trace.track(group, f"#{sayer_id} says {lines} lines")
    fast_track = trace.track(group, f"#{fast[0][0]}-#{fast[-1][0]}: 7 fast readers")
    lagging_track = trace.track(group, f"#{lagging[0]}: pauses reading")
    stuck_track = trace.track(group, f"#{stuck[0]}: never reads")
    arrivals, resume = asyncio.Queue(), asyncio.Event()
    per_batch, fast_received = [], 0
    async with asyncio.TaskGroup() as tg:
        readers = [tg.create_task(report_arrivals(who, c[1], "m", arrivals)) for who, c in enumerate(fast)]
        paused = tg.create_task(read_after_pause(lagging[1], lines, resume))
        for seq in range(0, lines, BATCH):
            end = min(seq + BATCH, lines)
            said = time.perf_counter()
            sayer.write("".join(f"m{m:06d} {'-' * (LINE_BYTES - 16)}\n" for m in range(seq, end)).encode())
            await sayer.drain()
            got = await take(arrivals, len(fast) * (end - seq))
            fast_received += sum(1 for _, m, _ in got if seq <= m < end)
            latest = max(at for _, _, at in got)
            per_batch.append((latest - said) * 1e3)
            trace.slice(fast_track, "fan-out", f"lines {seq}-{end - 1}: all 7 had them", said, latest)
        all_said = time.perf_counter()
        trace.slice(sayer_track, "says", f"said {lines} lines", start, all_said)
        resume.set()
        trace.slice(lagging_track, "not reading", "paused", start, all_said)
        lagging_received, lagging_skipped, told = await paused
        if told:
            trace.instant(lagging_track, f"told: {lagging_skipped} lines skipped; got {lagging_received}", told)
        async with asyncio.timeout(room.patience + OWED):
            while room.counts["dropped"] == before["dropped"]:
                await asyncio.sleep(0.005)
        dropped_seen = time.perf_counter()
        trace.slice(stuck_track, "not reading", "never reads", start, dropped_seen)
        stuck_buffered, stuck_closed = await drain_stuck(stuck[1])
        trace.instant(stuck_track, f"closed by the server; {stuck_buffered} lines had fit in its buffers",
                      dropped_seen)
        for task in readers:
            task.cancel()
    for _, _, writer in clients:
        writer.close()
    return {"lines": lines, "fast_received": fast_received, "fast_median_ms": median(per_batch),
            "fast_worst_ms": max(per_batch), "lagging_received": lagging_received,
            "lagging_skipped": lagging_skipped, "lagging_told": told is not None,
            "stuck_buffered": stuck_buffered, "stuck_closed": stuck_closed,
            "lag_notices": room.counts["lag_notices"] - before["lag_notices"],
            "skipped": room.counts["skipped"] - before["skipped"],
            "dropped": room.counts["dropped"] - before["dropped"],
            "elapsed": time.perf_counter() - start}


async def demo(args, trace):
    room = Room(args.capacity, args.patience_ms / 1000, trace)
    server = await asyncio.start_server(room.handle, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print("A chat server and its clients on ONE asyncio event loop (one thread). Every line a")
    print("client says is put into each other client's inbox; each connection has a reader")
    print("loop and a writer task.")
    print()
    print("Part 1, fan-out: client #1 says one line per round; the round ends when every other")
    print("client has it. 'first' / 'all': when the first / last other client had it (median")
    print("over rounds); 'worst': the slowest round's 'all'. 'threads': the server's, the process's.")
    print()
    print(f"  {'clients':>7}  {'rounds':>6}  {'received':>12}  {'first ms':>9}  {'all ms':>9}  {'worst ms':>9}  {'threads':>7}")
    fan_outs = []
    async with server:
        for n in args.clients:
            f = await fan_out(port, n, args.rounds, room, trace)
            print(f"  {n:>7}  {args.rounds:>6}  {f['received']:>5}/{f['expected']:<6}  {f['first_ms']:>9.3f}"
                  f"  {f['fanout_ms']:>9.3f}  {f['worst_ms']:>9.3f}  {f['server_threads']} of {f['process_threads']}")
            fan_outs.append(f)
        s = await slow_readers(port, args.lines, room, trace)
        server.close()
    print()
    print(f"Part 2, slow readers: 10 clients; #1 says {s['lines']} lines, {BATCH} at a time. Seven read")
    print("as lines come. One pauses reading until all are said; one never reads. Each inbox")
    print(f"keeps {args.capacity} lines (past that the reader has lagged and is told how many it")
    print(f"skipped); a drain may wait {args.patience_ms} ms (the patience) before the client is dropped.")
    print()
    print(f"  {'client':<28} {'lines got':>11}  what it shows")
    print(f"  {'7 fast readers (together)':<28} {s['fast_received']:>5}/{7 * s['lines']:<5}  every line; a batch"
          f" reached all 7 in {s['fast_median_ms']:.2f} ms (median), {s['fast_worst_ms']:.2f} ms at worst")
    print(f"  {'paused reader':<28} {s['lagging_received']:>11}  lagged: {'told it' if s['lagging_told'] else 'NOT told it'}"
          f" skipped {s['lagging_skipped']}; got + skipped = {s['lagging_received'] + s['lagging_skipped']}")
    closed = "dropped: the server closed it" if s["stuck_closed"] else "NOT closed"
    print(f"  {'reader that never reads':<28} {s['stuck_buffered']:>11}  what fit in its buffers; {closed}"
          f" after a drain waited {args.patience_ms} ms")
    print(f"  the server counted, in part 2: {s['lag_notices']} lag notice(s), {s['skipped']} line(s) skipped,"
          f" {s['dropped']} client(s) dropped; {s['elapsed']:.2f} s in all")
    return fan_outs, s, room


def main() -> None:
    parser = argparse.ArgumentParser(description="a chat server on one asyncio event loop: fan-out "
                                     "latency, and a client that stops reading stalls nobody")
    parser.add_argument("--clients", default="10,100",
                        help="clients in each fan-out run, comma-separated (2 to 5000 each)")
    parser.add_argument("--rounds", type=int, default=20, help="lines said in each fan-out run")
    parser.add_argument("--lines", type=int, default=2048, help="lines said in part two (1024 or more)")
    parser.add_argument("--patience-ms", type=int, default=1000,
                        help="how long a write may wait before the client is dropped, in ms (100 to 60000)")
    parser.add_argument("--capacity", type=int, default=64, help="lines an inbox keeps (16 to 65536)")
    parser.add_argument("--trace", metavar="FILE", help="write the run to FILE as a Chrome trace")
    args = parser.parse_args()
    try:
        args.clients = [int(n) for n in args.clients.split(",")]
    except ValueError:
        parser.error("--clients: a comma-separated list of numbers, e.g. 10,100")
    if not all(2 <= n <= 5000 for n in args.clients):
        parser.error("--clients: each between 2 and 5000")
    if not 1 <= args.rounds <= 100_000:
        parser.error("--rounds: 1 to 100000")
    if not 1024 <= args.lines <= 1_000_000:
        parser.error("--lines: 1024 to 1000000")
    if not 100 <= args.patience_ms <= 60_000:
        parser.error("--patience-ms: 100 to 60000")
    if not 16 <= args.capacity <= 65_536:
        parser.error("--capacity: 16 to 65536")
    import resource
    needed = 2 * max(args.clients + [10]) + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            raise SystemExit(f"error: --clients {max(args.clients)} needs about {needed} open files, but the "
                             f"hard limit is {hard} (ulimit -Hn); use fewer --clients")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    trace = Trace(on=args.trace is not None)
    fan_outs, s, room = asyncio.run(demo(args, trace))
    c = room.counts
    print()
    print(f"The server, in all: {c['joined']} joined (at most {c['most_here']} at once), {c['said']} lines said, "
          f"{c['delivered']} written to clients, {c['lag_notices']} lag notice(s), {c['dropped']} dropped, "
          f"{c['quit']} left; every socket closed.")
    if args.trace:
        trace.write(args.trace)
        print(f"trace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")
    most = max(fan_outs, key=lambda f: f["clients"])
    fields = [("server_threads", 1), ("process_threads", most["process_threads"]),
              ("most_clients", c["most_here"])]
    for f in fan_outs:
        fields += [(f"fanout_ms_{f['clients']}", f"{f['fanout_ms']:.3f}"),
                   (f"received_{f['clients']}", f["received"])]
    fields += [("fast_received", s["fast_received"]), ("fast_worst_ms", f"{s['fast_worst_ms']:.3f}"),
               ("lagged_told", s["lag_notices"]), ("lagging_received", s["lagging_received"]),
               ("skipped", s["lagging_skipped"]), ("dropped", s["dropped"]),
               ("stuck_closed", "yes" if s["stuck_closed"] else "no"),
               ("patience_ms", args.patience_ms), ("ideal_s", f"{args.patience_ms / 1000:.3f}")]
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
