#!/usr/bin/env python3
"""N slow web requests: sequential, threads, a pool, asyncio, threads behind asyncio, the mistake.

Python twin of the io-bound crate. Standard library only. The embedded server is an
asyncio server on a thread of its own (one thread, whatever the load), on 127.0.0.1
with an OS-chosen port, answering each request after --latency-ms. The rows:

  sequential            one urllib urlopen after another
  threads               one threading.Thread per request
  pool                  concurrent.futures.ThreadPoolExecutor(max_workers=--pool)
  async                 gathered coroutines speaking HTTP/1.1 over asyncio streams: ONE thread
  threads behind async  gathered coroutines, each hands urlopen to asyncio.to_thread
  async mistake         gathered coroutines that call urlopen directly: the loop blocks

    python3 crates/io-bound/python/io-bound.py
    python3 crates/io-bound/python/io-bound.py --requests 100 --latency-ms 100
"""

import argparse
import asyncio
import concurrent.futures
import math
import os
import resource
import sys
import threading
import time
import urllib.parse
import urllib.request
from email.utils import formatdate

PAGE = (
    "<!doctype html>\n<html>\n<head><title>Example Domain</title></head>\n"
    "<body>\n<h1>Example Domain</h1>\n<p>Served from 127.0.0.1 by the io-bound demo.</p>\n"
    "</body>\n</html>\n"
).encode()


class SlowSite:
    """An asyncio HTTP/1.1 server on its own thread; counts answers and the peak in progress."""

    def __init__(self, latency_s):
        self.latency_s = latency_s
        self.served = self.in_flight = self.peak = 0
        self.started = formatdate(time.time(), usegmt=True)
        ready = threading.Event()
        self.thread = threading.Thread(target=asyncio.run, args=(self._serve(ready),),
                                       name="server", daemon=True)
        self.thread.start()
        ready.wait()
        if self.port is None:
            raise OSError(f"cannot start the local server ({self.failure}); check loopback "
                          "networking")

    async def _serve(self, ready):
        self.loop, self.stopping, self.port = asyncio.get_running_loop(), asyncio.Event(), None
        try:
            # A long accept queue: a thousand clients connecting at once must not be dropped.
            server = await asyncio.start_server(self._connection, "127.0.0.1", 0, backlog=4096)
            self.port = server.sockets[0].getsockname()[1]
        except OSError as e:
            self.failure = e.strerror or e
            return
        finally:
            ready.set()
        async with server:
            await self.stopping.wait()
        # asyncio.run then cancels the connections still open, and waits for them.

    async def _connection(self, reader, writer):
        try:
            while True:
                head = await read_head(reader)
                if head is None:
                    break
                keep_alive = b"connection: close" not in head.lower()
                self.in_flight += 1  # only this thread touches the counters
                self.peak = max(self.peak, self.in_flight)
                await asyncio.sleep(self.latency_s)
                self.in_flight -= 1
                self.served += 1
                writer.write(
                    b"HTTP/1.1 200 OK\r\n"
                    + f"Date: {formatdate(time.time(), usegmt=True)}\r\n"
                      "Server: io-bound-demo/0.1 (asyncio)\r\n"
                      "Content-Type: text/html; charset=utf-8\r\n"
                      f"Content-Length: {len(PAGE)}\r\n"
                      f"Last-Modified: {self.started}\r\n"
                      f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n".encode()
                    + PAGE)
                await writer.drain()
                if not keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass  # the server is stopping; ending normally keeps 3.11 from logging it
        finally:
            writer.close()

    def take_peak(self):
        """The most requests in progress at once since the last call (read between rows)."""
        peak, self.peak = self.peak, self.in_flight
        return peak

    def close(self):
        self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join()


async def read_head(reader):
    """The request line and headers, or None when the client closed the connection."""
    head = await reader.readuntil(b"\r\n\r\n") if not reader.at_eof() else b""
    return head or None


class Probe:
    """The process's OS threads and resident memory, from /proc/self/status (Linux)."""

    @staticmethod
    def status():
        try:
            with open("/proc/self/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            return int(fields["Threads"]), int(fields["VmRSS"].split()[0])
        except (OSError, KeyError, ValueError):
            return None

    def __init__(self):
        self.most, self.done = None, threading.Event()
        self.thread = threading.Thread(target=self._sample, name="sampler", daemon=True)
        self.thread.start()

    def _sample(self):
        while True:
            last = self.done.is_set()
            now = Probe.status()
            if now:
                self.most = now if self.most is None else tuple(map(max, self.most, now))
            if last:
                return
            time.sleep(0.001)

    def stop(self):
        """(most threads less the sampler, most RSS in KiB), or None."""
        self.done.set()
        self.thread.join()
        return self.most and (self.most[0] - 1, self.most[1])


def settle():
    """Waits (at most a second) until the threads of the previous row have left /proc:
    a joined thread can still be listed for a moment while the kernel reaps it."""
    for _ in range(1000):
        now = Probe.status()
        if now is None or now[0] <= threading.active_count():
            return
        time.sleep(0.001)


class InFlight:
    """Requests the client has in flight, and the most at once; with --trace, each one's
    slice on its track and the count as the row's 'requests in flight' counter."""

    DRAWN = 100  # requests drawn as tracks per row; the counter counts them all

    def __init__(self, trace):
        self.lock, self.now, self.most = threading.Lock(), 0, 0
        self.trace, self.group, self.method = trace, None, None

    def begin_row(self, method, name):
        if self.trace.on:
            with self.lock:
                self.group, self.method, self.started, self.threads = \
                    self.trace.group(name), method, 0, {}
                self.trace.counter(self.group, "requests in flight", time.perf_counter(), 0)

    def request(self):
        """`with target.in_flight.request():` counts one request in flight while inside."""
        return Request(self)

    def _track(self, number):
        if number > self.DRAWN:
            return None
        if self.method in ("sequential", "pool"):  # the thread is the unit
            me = threading.get_ident()
            if me not in self.threads:
                name = ("the one thread" if self.method == "sequential"
                        else f"worker thread {len(self.threads) + 1}")
                self.threads[me] = self.trace.track(self.group, name)
            return self.threads[me]
        return self.trace.track(self.group, TRACK[self.method].format(n=number))


class Request:
    def __init__(self, counts):
        self.counts = counts

    def __enter__(self):
        c = self.counts
        with c.lock:
            c.now += 1
            c.most = max(c.most, c.now)
            if c.group is not None:
                c.started += 1
                self.number, self.at = c.started, time.perf_counter()
                c.trace.counter(c.group, "requests in flight", self.at, c.now)
                self.track = c._track(self.number)

    def __exit__(self, *exc):
        c = self.counts
        with c.lock:
            c.now -= 1
            if c.group is not None:
                at = time.perf_counter()
                c.trace.counter(c.group, "requests in flight", at, c.now)
                if self.track is not None:
                    kind, name = TRACED[c.method]
                    c.trace.slice(self.track, kind, name.format(n=self.number), self.at, at)


# --trace: the track of each request, and what its slice is and says, per row.
BLOCKED, AWAITS, BLOCKS_ALL = ("a thread blocked on its request", "a task awaits its request",
                               "a task blocks the only thread")
TRACK = {"threads": "thread of request #{n}", "async": "task #{n}",
         "threads_behind_async": "task #{n} (a pool thread)", "blocked_async": "task #{n}"}
TRACED = {"sequential": (BLOCKED, "request #{n}: the thread waits"),
          "pool": (BLOCKED, "request #{n}: the thread waits"),
          "threads": (BLOCKED, "request #{n}: its thread waits"),
          "async": (AWAITS, "request #{n}: await, the thread runs others"),
          "threads_behind_async": (BLOCKED, "request #{n}: a pool thread waits"),
          "blocked_async": (BLOCKS_ALL, "request #{n}: urlopen blocks the loop's only thread")}


class Target:
    def __init__(self, url, page, timeout, trace):
        self.url, self.page, self.timeout = url, page, timeout
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port or 80, parts.path or "/"
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy
        self.in_flight = InFlight(trace)

    def check(self, status, body):
        if status != 200 or (self.page is not None and body != self.page):
            raise RuntimeError(f"unexpected reply: {status}, {len(body)} bytes")


def get(target):
    """One blocking request with urllib: GET the page, read all of it, check it."""
    with target.in_flight.request(), target.opener.open(target.url, timeout=target.timeout) as response:
        target.check(response.status, response.read())


async def get_async(target):
    """One request over asyncio streams: every await hands the thread back to the loop."""
    with target.in_flight.request():
        reader, writer = await asyncio.open_connection(target.host, target.port)
        try:
            writer.write(f"GET {target.path} HTTP/1.1\r\nHost: {target.host}:{target.port}\r\n"
                         "Connection: close\r\n\r\n".encode())
            await writer.drain()
            reply = await reader.read()  # until the server closes the connection
        finally:
            writer.close()
        head, _, body = reply.partition(b"\r\n\r\n")
        target.check(int(head.split(b" ", 2)[1]), body)


def outcome(fetch, *args):
    try:
        fetch(*args)
        return None
    except Exception as e:  # count it, report the first one
        return f"{type(e).__name__}: {e}"


async def async_outcome(target):
    try:
        async with asyncio.timeout(target.timeout):
            await get_async(target)
        return None
    except Exception as e:
        return f"{type(e).__name__}: {e}"


def sequential(target, n, _pool):
    return [outcome(get, target) for _ in range(n)]


def thread_per_request(target, n, _pool):
    results = [None] * n

    def work(i):
        results[i] = outcome(get, target)

    # Daemon threads: a Ctrl-C mid-row must not wait for their requests to end.
    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def fixed_pool(target, n, pool):
    with concurrent.futures.ThreadPoolExecutor(max_workers=pool) as executor:
        return list(executor.map(lambda _: outcome(get, target), range(n)))


async def gather(coroutines):
    """Runs the coroutines as tasks at once and returns their results in order."""
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(c) for c in coroutines]
    return [t.result() for t in tasks]


def async_on_one_thread(target, n, _pool):
    return asyncio.run(gather(async_outcome(target) for _ in range(n)))


def threads_behind_async(target, n, _pool, executor_workers=0):
    async def main():
        if executor_workers:  # replace asyncio's default executor with a bigger one
            asyncio.get_running_loop().set_default_executor(
                concurrent.futures.ThreadPoolExecutor(max_workers=executor_workers))
        return await gather(asyncio.to_thread(outcome, get, target) for _ in range(n))

    return asyncio.run(main())


def async_blocking_mistake(target, n, _pool):
    async def fetch_blocking():
        return outcome(get, target)  # blocks the event loop's only thread

    return asyncio.run(gather(fetch_blocking() for _ in range(n)))


METHODS = ["sequential", "threads", "pool", "async", "threads-behind-async", "blocked-async"]
MIB = 1 << 20
OTHER_THREADS = 3  # main, the server's, the sampler's


def mapped_now():
    """The address space this process maps now, in bytes (VmSize; 0 without /proc)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmSize:")) * 1024
    except (OSError, StopIteration, ValueError):
        return 0


def address_space_for(threads):
    """What `threads` threads map: a stack each (the pthread default, `ulimit -s`), one
    64 MiB glibc malloc arena each up to MALLOC_ARENA_MAX or 8 per processor, and 64 MiB
    for the rest of the run."""
    stack = threading.stack_size()
    if not stack:
        soft, _ = resource.getrlimit(resource.RLIMIT_STACK)
        stack = soft if soft != resource.RLIM_INFINITY else 8 * MIB
    arena_max = int(os.environ.get("MALLOC_ARENA_MAX") or 0) or 8 * (os.cpu_count() or 1)
    return threads * (stack + 4096) + min(threads, arena_max) * 64 * MIB + 64 * MIB


def check_threads(name, threads, flag):
    """None if the row's threads fit the process's limits (ulimit -u, ulimit -v), else the
    error line that says which flag to lower: checked before the run, so that it never
    fails halfway with "can't start new thread" or a MemoryError."""
    every = threads + OTHER_THREADS
    soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    if soft != resource.RLIM_INFINITY and every > soft:
        return (f"the {name} row would start {threads} threads ({flag} {threads}), but this "
                f"user may run only {soft} processes and threads (ulimit -u); lower {flag} "
                "or raise ulimit -u")
    limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    used, needed = mapped_now(), address_space_for(every)
    if limit == resource.RLIM_INFINITY or used + needed <= limit:
        return None
    fits = next((k for k in range(threads - 1, 0, -1)
                 if used + address_space_for(k + OTHER_THREADS) <= limit), 0)
    lower = f"lower {flag} to {fits}, " if fits else ""
    return (f"the {name} row would start {threads} threads ({flag} {threads}): about "
            f"{needed // MIB} MiB of address space with their stacks and glibc's malloc "
            f"arenas, but ulimit -v allows {limit // MIB} MiB; {lower}raise ulimit -v to "
            f"{-(-(used + needed) // 1024)}, or set MALLOC_ARENA_MAX=1")


def check_open_files(requests):
    """None if a socket per request, and one more on the server's side, fit the open-file
    limit (raised to the hard limit if need be), else the error line."""
    needed = 2 * requests + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return None
    if hard != resource.RLIM_INFINITY and hard < needed:
        return (f"{requests} requests need about {needed} open files, the limit is {hard} "
                "(ulimit -Hn); lower --requests or raise ulimit -n")
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=20, help="how many requests each method sends")
    p.add_argument("--latency-ms", type=int, default=200,
                   help="milliseconds the embedded server waits before answering each request")
    p.add_argument("--pool", type=int, default=4, help="worker threads in the fixed pool")
    p.add_argument("--url", help="send the requests to this http:// URL instead (e.g. a "
                                 "running `io-bound --serve`)")
    p.add_argument("--executor-workers", type=int, default=0,
                   help="threads behind asyncio.to_thread (0: asyncio's default, "
                        "min(32, cores + 4))")
    p.add_argument("--only", type=lambda v: v.replace("_", "-").split(","), default=[],
                   help="run only these methods (the table's first column), comma-separated: "
                        + ",".join(METHODS) + " (default: all, in table order)")
    p.add_argument("--trace", metavar="FILE",
                   help="write the run to FILE as a Chrome trace (open it in ui.perfetto.dev "
                        "or vizviewer)")
    args = p.parse_args()
    if unknown := [m for m in args.only if m not in METHODS]:
        p.error(f"--only: unknown method {unknown[0]!r} (choose from {', '.join(METHODS)})")
    chosen = lambda key: not args.only or key.replace("_", "-") in args.only
    if not 1 <= args.requests <= 1000:
        p.error("--requests must be in 1..=1000")
    if not 0 <= args.latency_ms <= 10_000:
        p.error("--latency-ms must be in 0..=10000")
    if not 1 <= args.pool <= 1000:
        p.error("--pool must be in 1..=1000")
    if not 0 <= args.executor_workers <= 1000:
        p.error("--executor-workers must be in 0..=1000")
    if args.url is not None and not args.url.startswith("http://"):
        p.error("--url: only http:// URLs (the async row speaks plain HTTP/1.1)")

    n, latency = args.requests, args.latency_ms / 1e3
    # asyncio.to_thread uses the loop's default ThreadPoolExecutor: this many threads.
    executor_workers = args.executor_workers or min(32, (os.cpu_count() or 1) + 4)
    rows_with_threads = [("threads", n, "--requests"), ("pool", args.pool, "--pool"),
                         ("threads behind async", executor_workers, "--executor-workers")]
    rows_with_threads = [row for row in rows_with_threads if chosen(row[0].replace(" ", "_"))]
    # The row that starts the most threads (the first of equals) must fit the limits.
    most = max(rows_with_threads, key=lambda row: row[1], default=None)
    problem = (most and check_threads(*most)) or check_open_files(n)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    try:
        site = None if args.url else SlowSite(latency)
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    try:
        url = args.url or f"http://127.0.0.1:{site.port}/"
        trace = Trace(on=args.trace is not None)
        target = Target(url, None if args.url else PAGE, latency + 30, trace)
        print(f"io-bound (Python): {n} requests to {url}, each answered after "
              f"{args.latency_ms} ms (latency_ms)")
        print()
        # key (the table's first column and the summary's), the trace's name, the table's
        # how, the method, and the rounds of waits it needs if only the waits cost.
        methods = [
            ("sequential", "sequential", "one urlopen after another", sequential, n),
            ("threads", "threads (one per request)", "a threading.Thread each",
             thread_per_request, 1),
            ("pool", f"pool of {args.pool} threads", f"ThreadPoolExecutor({args.pool})",
             fixed_pool, math.ceil(n / args.pool)),
            ("async", "async: asyncio streams", "asyncio streams, 1 thread",
             async_on_one_thread, 1),
            ("threads_behind_async", f"asyncio.to_thread ({executor_workers} thr.)",
             f"asyncio.to_thread, {executor_workers} thr.",
             lambda t, n_, pool: threads_behind_async(t, n_, pool, args.executor_workers),
             math.ceil(n / executor_workers)),
            ("blocked_async", "async mistake: blocking call", "urlopen in a task: mistake",
             async_blocking_mistake, n),
        ]
        rows = []
        for key, name, how, method, rounds in filter(lambda m: chosen(m[0]), methods):
            if site:
                site.take_peak()
            target.in_flight.most = 0
            target.in_flight.begin_row(key, name)
            settle()
            before = Probe.status()
            probe = Probe()
            start = time.perf_counter()
            outcomes = method(target, n, args.pool)
            elapsed = time.perf_counter() - start
            most = probe.stop()
            errors = [o for o in outcomes if o is not None]
            threads = most and most[0] - (1 if site else 0)  # less the server's thread
            in_flight = target.in_flight.most  # too few in flight: only allocator noise
            kib = max(0, most[1] - before[1]) / in_flight if most and before and in_flight >= 10 else None
            rows.append(dict(key=key, name=name, how=how, secs=elapsed, rounds=rounds, ok=n - len(errors),
                             errors=errors, peak=site.take_peak() if site else None,
                             threads=threads, kib=kib))
    finally:
        if site:
            site.close()

    base = next((r["secs"] for r in rows if r["key"] == "sequential"), None)
    speedup = lambda r: None if base is None else base / r["secs"]
    dash = lambda v, fmt: "-" if v is None else format(v, fmt)
    print(f"{'method':<20} {'how':<26} {'seconds':>7} {'speedup':>7} {'ideal_s':>7} "
          f"{'peak':>5} {'threads':>7} {'kib_per_request':>15}")
    for r in rows:
        print(f"{r['key']:<20} {r['how']:<26} {r['secs']:>7.3f} "
              f"{dash(speedup(r), '.2f') + ('x' if base else ''):>7} "
              f"{r['rounds'] * latency:>7.3f} {dash(r['peak'], ''):>5} "
              f"{dash(r['threads'], ''):>7} {dash(r['kib'], '.1f'):>15}")
    many = [f"{r['key']} {r['rounds']}" for r in rows if r["rounds"] > 1 or r["key"] == "sequential"]
    print()
    print("seconds = the row's wall time; speedup = sequential's seconds / the row's seconds.")
    print(f"ideal_s = the time the server's waits alone would take: {args.latency_ms} ms x the "
          "rounds")
    print(f"          of waits the row needs, one after another: 1 where all {n} wait at")
    print("          once" + (f"; {', '.join(many)}." if many else "."))
    print("peak    = most requests the server was answering at the same moment.")
    print("threads = most OS threads of this process during the row (the kernel's count,")
    print("          /proc/self/status), less the embedded server's one and the sampler's.")
    print("kib_per_request = the memory the row added (resident memory: the RAM pages the")
    print("          process really holds, Linux's VmRSS), in KiB, / the most requests the")
    print("          client had in flight at once (if 10 or more).")
    print(f"asyncio.to_thread: runs each call on the loop's default executor, a pool of "
          f"{executor_workers} threads")
    print("          here. mistake: urlopen blocks the event loop's one thread.")
    print()
    served = site.served if site else None
    all_ok = served is None or served == len(rows) * n
    ideal_s = sum(r["rounds"] for r in rows) * latency
    if served is not None:
        print(f"served {served}: requests the server answered in all rows")
    print(f"all_ok {str(all_ok).lower()}: every request got the whole page (and the server "
          "counted each one)")
    print(f"ideal_s {ideal_s:.3f}: the column's sum, the waits of the whole run")

    for r in rows:
        if r["errors"]:
            print(f"error: {n - r['ok']} of {n} requests failed in the row \"{r['name']}\" "
                  f"(first: {r['errors'][0]}); check the server, or lower --requests",
                  file=sys.stderr)
            return 1
    if args.trace is not None:
        if n > InFlight.DRAWN:
            note = (f"each row draws its first {InFlight.DRAWN} of {n} requests as tracks; "
                    f"its 'requests in flight' counter counts all {n}")
            trace.note(note)
            print(f"trace: {note}")
        try:
            trace.write(args.trace)
        except OSError as e:
            print(f"error: cannot write the trace to {args.trace} ({e.strerror}); check that "
                  "its folder exists", file=sys.stderr)
            return 1
        print(f"trace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")
    # The same keys as Rust's: the speedups, and the async row's peak, OS threads and
    # memory beside the threads row's; the rest is in the table.
    keys = [f"requests={n} latency_ms={args.latency_ms}"]
    keys += [f"pool={args.pool}"] if any(r["key"] == "pool" for r in rows) else []
    keys += [f"speedup_{r['key']}={speedup(r):.2f}" for r in rows
             if base is not None and r["key"] != "sequential"]
    keys += [f"peak_async={r['peak']}" for r in rows if r["key"] == "async" and r["peak"] is not None]
    compared = [r for r in rows if r["key"] in ("threads", "async")]
    keys += [f"threads_{r['key']}={r['threads']}" for r in compared if r["threads"] is not None]
    keys += [f"kib_per_request_{r['key']}={r['kib']:.1f}" for r in compared if r["kib"] is not None]
    keys += [f"all_ok={str(all_ok).lower()} ideal_s={ideal_s:.3f}"]
    print("summary: " + " ".join(keys))


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
