#!/usr/bin/env python3
"""The four steps of one small script, each timed and labelled I/O or CPU.

Python twin of the io-vs-cpu crate: fetch a page (I/O), turn each response header
into a "name: value" line (CPU), join the lines (CPU), write them to a file (I/O).
Standard library only: urllib.request as the client, http.server as the embedded
server on 127.0.0.1 with an OS-chosen port, answering after --latency-ms.

    python3 crates/io-vs-cpu/python/io-vs-cpu.py
    python3 crates/io-vs-cpu/python/io-vs-cpu.py --latency-ms 300 --out /tmp/headers.txt
"""

import argparse
import errno
import hashlib
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = (
    "<!doctype html>\n<html>\n<head><title>Example Domain</title></head>\n"
    "<body>\n<h1>Example Domain</h1>\n<p>Served from 127.0.0.1 by the io-vs-cpu demo.</p>\n"
    "</body>\n</html>\n"
).encode()


def start_server(latency_s):
    """A threaded HTTP server on loopback that plays a slow web site."""
    started = formatdate(time.time(), usegmt=True)
    etag = '"%s"' % hashlib.sha1(PAGE).hexdigest()[:16]

    class Handler(BaseHTTPRequestHandler):
        server_version = "io-vs-cpu-demo/0.1"
        sys_version = "(http.server)"

        def do_GET(self):
            time.sleep(latency_s)
            self.send_response(200)  # also sends Server and Date
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.send_header("Last-Modified", started)
            self.send_header("ETag", etag)
            self.send_header("Cache-Control", "max-age=604800")
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Vary", "Accept-Encoding")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, *args):
            pass  # keep the demo's output clean

    class Server(ThreadingHTTPServer):
        # socketserver listens with a backlog of 5: a burst of clients connecting at once
        # would overflow it, and those dropped retry a second later. tokio's is 1024.
        request_queue_size = 1024

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="server", daemon=True).start()
    return server


def fetch(url, embedded, timeout):
    """I/O: send the request, wait for the reply's headers and body."""
    handlers = [urllib.request.ProxyHandler({})] if embedded else []
    opener = urllib.request.build_opener(*handlers)
    try:
        response = opener.open(url, timeout=timeout)
    except urllib.error.HTTPError as e:
        response = e  # like requests.get: a 404 still has headers to format
    with response:
        body = response.read()
        print(f"GET {url} -> {response.status} {response.reason}, "
              f"{len(response.headers)} headers, {len(body)}-byte body")
        return response.headers


def format_headers(headers):
    """CPU: one "name: value" string per header."""
    return [f"{name}: {value}" for name, value in headers.items()]


def join_lines(lines):
    """CPU: one string, one header per line."""
    return "\n".join(lines) + "\n"


def write_file(path, text, fsync):
    """I/O: hand the bytes to the kernel (with --fsync, wait until they are on disk)."""
    with open(path, "w") as f:
        f.write(text)
        if fsync:
            f.flush()
            os.fsync(f.fileno())


def timed(step, *args, trace=None, kind=None, name=None):
    """Runs one step and measures how long it took; with a trace, records it as a slice
    of `kind` (I/O or CPU) on the script's one track."""
    start = time.perf_counter()
    value = step(*args)
    end = time.perf_counter()
    if trace is not None:
        trace[0].slice(trace[1], kind, f"{name} ({kind})", start, end)
    return value, end - start


def print_table(t, latency_ms, headers, fsync):
    total = sum(t.values())
    io, cpu = t["fetch"] + t["write"], t["format"] + t["join"]
    pct = lambda s: 100.0 * s / total
    print()
    print(f"{'step':<7} {'kind':<4} {'what':<36} {'time (ms)':>11} {'share':>8}")
    rows = [
        ("fetch", "I/O", "send the request, wait for the reply"),
        ("format", "CPU", 'each header -> "name: value"'),
        ("join", "CPU", "lines -> one string"),
        ("write", "I/O", "string -> file"),
    ]
    for step, kind, what in rows:
        print(f"{step:<7} {kind:<4} {what:<36} {t[step] * 1e3:>11.3f} {pct(t[step]):>7.3f}%")
    print(f"{'total':<49} {total * 1e3:>11.3f} {100.0:>7.3f}%")
    print("kind: I/O = the step waits for the network or the disk; CPU = it only computes.")
    print("share: the step's part of the total time.")
    print()
    # Each figure of the summary line, under its key, with its unit and meaning.
    wait = f"the server's {latency_ms} ms wait is in it" if latency_ms else "no deliberate wait"
    print(f"fetch_s  {t['fetch']:.3f}: the fetch (urlopen and read), in seconds ({wait})")
    print(f"io_s     {io:.3f}: the I/O steps, fetch + write, in seconds: {pct(io):.3f}% of the "
          "total")
    print(f"io_share {io / total:.3f}: the same share as a fraction (1.000 = all of the time, "
          "rounded)")
    print(f"cpu_us   {cpu * 1e6:.1f}: the CPU steps, f-strings + str.join, in microseconds "
          f"(us): {pct(cpu):.3f}%")
    disk = ("with --fsync: until the disk has the bytes" if fsync
            else "the kernel's page cache takes the bytes: no disk wait")
    print(f"write_us {t['write'] * 1e6:.1f}: the write alone, in us ({disk})")
    print(f"total_s  {total:.3f}: the four steps together, in seconds")
    print(f"headers  {headers}: the lines written to the file, one per header value")
    ideal = f"the server's {latency_ms} ms" if latency_ms else "none here (--url, or --latency-ms 0)"
    print(f"ideal_s  {latency_ms / 1e3:.3f}: what the deliberate waits alone would take: {ideal}")
    return total, io, cpu


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--latency-ms", type=int, default=100,
                   help="milliseconds the embedded server waits before answering")
    p.add_argument("--url", help="fetch this URL instead of the embedded server")
    p.add_argument("--out", help="write the header lines to this file and keep it "
                   "[default: headers.txt in a fresh temporary directory, removed at exit]")
    p.add_argument("--fsync", action="store_true",
                   help="fsync after writing, so the write step waits for the disk")
    p.add_argument("--trace", metavar="FILE", help="write the run to FILE as a Chrome trace "
                   "(open it in ui.perfetto.dev or vizviewer)")
    args = p.parse_args()
    if not 0 <= args.latency_ms <= 10_000:
        p.error("--latency-ms must be in 0..=10000")

    server, temp_dir = None, None
    try:
        if args.url:
            url, latency_ms = args.url, 0
        else:
            server = start_server(args.latency_ms / 1e3)
            url, latency_ms = f"http://127.0.0.1:{server.server_address[1]}/", args.latency_ms
        print("io-vs-cpu (Python): the four steps of one script, each timed")
        print(f"target: {url}" if args.url else
              f"target: embedded server at {url}, answering after {latency_ms} ms (latency_ms)")

        t = {}
        trace = Trace(on=args.trace is not None)
        script = trace.track(trace.group("one script, four steps"), "the script's one thread")
        on = (trace, script)
        try:
            headers, t["fetch"] = timed(fetch, url, server is not None, latency_ms / 1e3 + 30,
                                        trace=on, kind="I/O",
                                        name="fetch: send the request, wait for the reply")
        except BrokenPipeError:
            raise  # stdout closed by the reader, not a failed fetch
        except (urllib.error.URLError, OSError, ValueError) as e:
            if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                raise  # stdout cannot be written: the frame says so
            print(f"error: cannot fetch {url}: {e}; check the URL and that the server is "
                  "reachable", file=sys.stderr)
            return 1
        lines, t["format"] = timed(format_headers, headers, trace=on, kind="CPU",
                                   name='format: each header -> "name: value"')
        text, t["join"] = timed(join_lines, lines, trace=on, kind="CPU",
                                name="join: the lines -> one string")
        cpu_us = (t["format"] + t["join"]) * 1e6
        trace.instant(script, f"the two CPU steps: {cpu_us:.1f} µs", time.perf_counter())
        # The default file exists only around the write step: made just before it, read
        # back and removed right after, so an interrupted run leaves nothing behind.
        if args.out:
            path = args.out
        else:
            temp_dir = tempfile.mkdtemp(prefix="io-vs-cpu-py-")
            path = os.path.join(temp_dir, "headers.txt")
        try:
            _, t["write"] = timed(write_file, path, text, args.fsync, trace=on, kind="I/O",
                                  name="write: the string -> the file")
        except OSError as e:
            print(f"error: cannot write {path}: {e.strerror}; pass --out with a file in a "
                  "writable directory", file=sys.stderr)
            return 1

        with open(path) as f:
            contents = f.read()
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
        total, io, cpu = print_table(t, latency_ms, len(lines), args.fsync)
        print()
        note = " (temporary: already removed; pass --out FILE to keep it)" if temp_dir else ""
        print(f"wrote {len(text.encode())} bytes to {path}{note}")
        print("--- file contents ---")
        print(contents, end="")
        print("---------------------")
        if args.trace is not None:
            try:
                trace.write(args.trace)
            except OSError as e:
                print(f"error: cannot write the trace to {args.trace} ({e.strerror}); check "
                      "that its folder exists", file=sys.stderr)
                return 1
            print(f"trace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")
        print(f"summary: latency_ms={latency_ms} fetch_s={t['fetch']:.3f} io_s={io:.3f} "
              f"io_share={io / total:.3f} cpu_us={cpu * 1e6:.1f} "
              f"write_us={t['write'] * 1e6:.1f} total_s={total:.3f} headers={len(lines)} "
              f"ideal_s={latency_ms / 1e3:.3f}")
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)


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
