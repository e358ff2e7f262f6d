#!/usr/bin/env python3
"""N slow web requests: sequential, threads, a pool, asyncio.to_thread, and the mistake.

Python twin of the io-bound crate. Standard library only: urllib.request as the client,
http.server's ThreadingHTTPServer as the embedded server on 127.0.0.1 (OS-chosen port),
answering each request after --latency-ms. The rows:

  sequential            one urlopen after another
  threads               one threading.Thread per request
  pool                  concurrent.futures.ThreadPoolExecutor(max_workers=--pool)
  asyncio.to_thread     gathered coroutines, each hands its blocking call to a thread
  async mistake         gathered coroutines that call urlopen directly: the loop blocks

    python3 crates/io-bound/python/io-bound.py
    python3 crates/io-bound/python/io-bound.py --requests 100 --latency-ms 100
"""

import argparse
import asyncio
import concurrent.futures
import functools
import math
import os
import sys
import threading
import time
import urllib.request
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = (
    "<!doctype html>\n<html>\n<head><title>Example Domain</title></head>\n"
    "<body>\n<h1>Example Domain</h1>\n<p>Served from 127.0.0.1 by the io-bound demo.</p>\n"
    "</body>\n</html>\n"
).encode()


class Stats:
    """What the server saw: answers sent, and the most requests in progress at once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.served = self.in_flight = self.peak = 0

    def enter(self):
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)

    def leave(self):
        with self.lock:
            self.in_flight -= 1
            self.served += 1

    def take_peak(self):
        with self.lock:
            peak, self.peak = self.peak, self.in_flight
            return peak


def start_server(latency_s, stats):
    started = formatdate(time.time(), usegmt=True)

    class Handler(BaseHTTPRequestHandler):
        server_version = "io-bound-demo/0.1"
        sys_version = "(http.server)"

        def do_GET(self):
            stats.enter()
            time.sleep(latency_s)
            # Count the answer before sending it: once the bytes are out, the client may
            # finish and read the counters before this thread runs again.
            stats.leave()
            self.send_response(200)  # also sends Server and Date
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.send_header("Last-Modified", started)
            self.send_header("Cache-Control", "max-age=604800")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, *args):
            pass  # keep the demo's output clean

    class Server(ThreadingHTTPServer):
        # socketserver listens with a queue of 5 pending connections: with a hundred
        # clients connecting at once most would be dropped and retried a second later.
        request_queue_size = 1024
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, name="server", daemon=True).start()
    return server


def get(opener, url, timeout):
    """One request: GET the page, read all of it, check it is the page the server sends."""
    with opener.open(url, timeout=timeout) as response:
        body = response.read()
    if response.status != 200 or body != PAGE:
        raise RuntimeError(f"unexpected reply: {response.status}, {len(body)} bytes")


def outcome(fetch):
    try:
        fetch()
        return None
    except Exception as e:  # count it, report the first one
        return f"{type(e).__name__}: {e}"


def sequential(fetch, n, _pool):
    return [outcome(fetch) for _ in range(n)]


def thread_per_request(fetch, n, _pool):
    results = [None] * n

    def work(i):
        results[i] = outcome(fetch)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def fixed_pool(fetch, n, pool):
    with concurrent.futures.ThreadPoolExecutor(max_workers=pool) as executor:
        return list(executor.map(lambda _: outcome(fetch), range(n)))


async def to_thread(func):
    if hasattr(asyncio, "to_thread"):  # Python 3.9+
        return await asyncio.to_thread(func)
    return await asyncio.get_running_loop().run_in_executor(None, func)  # what it wraps


def async_to_thread(fetch, n, _pool, executor_workers=0):
    async def main():
        if executor_workers:  # replace asyncio's default executor with a bigger one
            asyncio.get_running_loop().set_default_executor(
                concurrent.futures.ThreadPoolExecutor(max_workers=executor_workers))
        return await asyncio.gather(*(to_thread(lambda: outcome(fetch)) for _ in range(n)))

    return asyncio.run(main())


def async_blocking_mistake(fetch, n, _pool):
    async def fetch_blocking():
        return outcome(fetch)  # blocks the event loop's only thread

    async def main():
        return await asyncio.gather(*(fetch_blocking() for _ in range(n)))

    return asyncio.run(main())


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=20, help="how many requests each method sends")
    p.add_argument("--latency-ms", type=int, default=200,
                   help="milliseconds the embedded server waits before answering each request")
    p.add_argument("--pool", type=int, default=4, help="worker threads in the fixed pool")
    p.add_argument("--executor-workers", type=int, default=0,
                   help="threads behind asyncio.to_thread (0: asyncio's default, "
                        "min(32, cores + 4))")
    args = p.parse_args()
    if not 1 <= args.requests <= 1000:
        p.error("--requests must be in 1..=1000")
    if not 0 <= args.latency_ms <= 10_000:
        p.error("--latency-ms must be in 0..=10000")
    if not 1 <= args.pool <= 1000:
        p.error("--pool must be in 1..=1000")

    n, latency = args.requests, args.latency_ms / 1e3
    if not 0 <= args.executor_workers <= 1000:
        p.error("--executor-workers must be in 0..=1000")
    # asyncio.to_thread uses the loop's default ThreadPoolExecutor: this many threads.
    executor_workers = args.executor_workers or min(32, (os.cpu_count() or 1) + 4)
    stats = Stats()
    server = start_server(latency, stats)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no $http_proxy
        fetch = functools.partial(get, opener, url, latency + 30)
        print(f"io-bound (Python): {n} requests to {url}, each answered after {args.latency_ms} ms")
        print()
        methods = [
            ("sequential", sequential, n),
            ("threads (one per request)", thread_per_request, 1),
            (f"pool of {args.pool} threads", fixed_pool, math.ceil(n / args.pool)),
            (f"asyncio.to_thread ({executor_workers} threads)",
             functools.partial(async_to_thread, executor_workers=args.executor_workers),
             math.ceil(n / executor_workers)),
            ("async mistake: blocking call", async_blocking_mistake, n),
        ]
        rows = []
        for name, method, rounds in methods:
            stats.take_peak()
            start = time.perf_counter()
            outcomes = method(fetch, n, args.pool)
            elapsed = time.perf_counter() - start
            errors = [o for o in outcomes if o is not None]
            rows.append((name, elapsed, rounds, n - len(errors), errors, stats.take_peak()))
    finally:
        server.shutdown()
        server.server_close()

    base = rows[0][1]
    print(f"{'method':<32} {'seconds':>8} {'speedup':>8} {'ideal s':>8} {'peak':>5} {'ok':>9}")
    for name, secs, rounds, ok, _, peak in rows:
        print(f"{name:<32} {secs:>8.3f} {base / secs:>7.2f}x {rounds * latency:>8.3f} "
              f"{peak:>5} {f'{ok}/{n}':>9}")
    print()
    print("peak = most requests the server was answering at the same moment.")
    if args.executor_workers:
        print(f"asyncio.to_thread ran each call on a {executor_workers}-thread executor "
              "set with loop.set_default_executor.")
    else:
        print(f"asyncio.to_thread runs each call on the loop's default executor: "
              f"min(32, cores + 4) = {executor_workers} threads here.")

    for name, _, _, ok, errors, _ in rows:
        if errors:
            print(f"error: {name}: {n - ok} of {n} requests failed (first: {errors[0]}); "
                  "check that nothing else limits loopback connections", file=sys.stderr)
            sys.exit(1)
    all_ok = stats.served == 5 * n
    secs = [r[1] for r in rows]
    peaks = [r[5] for r in rows]
    ideal_s = sum(r[2] for r in rows) * latency
    print(f"summary: requests={n} latency_ms={args.latency_ms} pool={args.pool} "
          f"sequential_s={secs[0]:.3f} threads_s={secs[1]:.3f} pool_s={secs[2]:.3f} "
          f"async_s={secs[3]:.3f} blocked_async_s={secs[4]:.3f} "
          f"speedup_threads={secs[0] / secs[1]:.2f} speedup_pool={secs[0] / secs[2]:.2f} "
          f"speedup_async={secs[0] / secs[3]:.2f} speedup_blocked_async={secs[0] / secs[4]:.2f} "
          f"all_ok={str(all_ok).lower()} ideal_s={ideal_s:.3f} served={stats.served} "
          f"peak_sequential={peaks[0]} peak_threads={peaks[1]} peak_pool={peaks[2]} "
          f"peak_async={peaks[3]} peak_blocked_async={peaks[4]} "
          f"executor_workers={executor_workers}")


if __name__ == "__main__":
    main()
