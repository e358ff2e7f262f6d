#!/usr/bin/env python3
"""Blocking vs non-blocking sockets, the Python side of the `sockets` crate.

Part one: recv() on a socket whose peer has sent nothing. With setblocking(False) it
raises BlockingIOError at once; in blocking mode it waits (bounded here by settimeout).
Part two: an echo server on ONE thread against K slow clients (each thinks D ms after the
server's greeting before it sends): a blocking accept/recv loop serves them one after
another (about K x D); a selectors loop over non-blocking sockets serves them all at once
(about D). The clients run in a child process (this file with --client-role).

Run:  python3 crates/sockets/python/sockets.py --clients 50 --delay-ms 100
The last line is the same `summary:` line the Rust program prints.
"""

import argparse
import collections
import errno
import os
import resource
import selectors
import socket
import subprocess
import sys
import threading
import time

GREETING = b"ready\n"
# How many connections may wait in the accept queue, as tokio's listeners allow: with the
# default (128) a burst of clients overflows it and each dropped one retries a second later.
BACKLOG = 1024
# Connected but not yet greeted: 128 fits any kernel's queue, even one that caps the backlog.
CONNECT_WINDOW = 128


def message(i):
    return ("hello from client %d\n" % i).encode()


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=positive, default=10,
                   help="how many clients connect to each echo server")
    p.add_argument("--delay-ms", type=positive, default=100,
                   help="how long each client thinks after the greeting before it sends")
    p.add_argument("--server", choices=["both", "blocking", "nonblocking"], default="both",
                   help="which echo server(s) to run in part two")
    p.add_argument("--read-timeout-ms", type=positive, default=200,
                   help="timeout for part one's blocking recv")
    default_poller = "epoll" if hasattr(selectors, "EpollSelector") else "poll"
    p.add_argument("--poller", choices=["epoll", "poll"], default=default_poller,
                   help="readiness call for the non-blocking side")
    p.add_argument("--trace", metavar="FILE",
                   help="write the run to FILE as a Chrome trace (open it in ui.perfetto.dev "
                        "or vizviewer)")
    p.add_argument("--client-role", metavar="ADDR", help=argparse.SUPPRESS)
    p.add_argument("--client-times", type=int, default=0, help=argparse.SUPPRESS)
    return p.parse_args()


def make_selector(name):
    if name == "epoll":
        if not hasattr(selectors, "EpollSelector"):
            raise RuntimeError("epoll exists only on Linux; use --poller poll")
        return selectors.EpollSelector()
    return selectors.PollSelector()


def ensure_open_files(needed, clients):
    """Raise the soft RLIMIT_NOFILE toward the hard one; say so if the hard one is too low."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft >= needed:
        return None
    if soft == resource.RLIM_INFINITY:
        return None
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise RuntimeError(
            "--clients %d needs about %d open files per process, but the hard limit "
            "RLIMIT_NOFILE is %d (see `ulimit -Hn`); raise it (e.g. `ulimit -n %d` as root "
            "or in /etc/security/limits.conf) or use fewer --clients"
            % (clients, needed, hard, needed))
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return soft


def cpu_used():
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        u = resource.getrusage(who)
        total += u.ru_utime + u.ru_stime
    return total


# ----------------------------------------------------------------------------------------
# Part one

def read_without_data(timeout):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    peer, _ = listener.accept()
    print("part one: read from a connected socket whose peer has sent nothing yet "
          "(us = microseconds, ms = milliseconds)")

    client.setblocking(False)
    t1 = t = time.perf_counter()
    try:
        client.recv(64)
        raise RuntimeError("part one: expected BlockingIOError")
    except BlockingIOError:
        wouldblock = time.perf_counter() - t
    print("  non-blocking recv  -> BlockingIOError after %9.1f us  (wouldblock_us)\n"
          "      BlockingIOError is the OS saying \"no bytes yet, try later\" (EAGAIN; Rust: WouldBlock):\n"
          "      recv returns at once and the thread is free to do something else" % (wouldblock * 1e6))

    client.settimeout(timeout)  # blocking again, but bounded
    t2 = t = time.perf_counter()
    try:
        client.recv(64)
        raise RuntimeError("part one: expected a timeout")
    except socket.timeout:
        blocking_wait = time.perf_counter() - t
    print("  blocking recv      -> gave up after %9.1f ms  (blocking_wait_ms)\n"
          "      the thread slept inside recv() until the %d ms timeout (read_timeout_ms, sock.settimeout);\n"
          "      without one it sleeps until bytes come: forever, here" % (blocking_wait * 1e3, timeout * 1000))

    client.setblocking(False)
    peer.sendall(b"hello")
    sel = selectors.DefaultSelector()
    sel.register(client, selectors.EVENT_READ)
    t3 = t = time.perf_counter()
    sel.select(1.0)
    ready_after = time.perf_counter() - t
    data = client.recv(64)
    print("  select() then recv -> readable after %9.1f us\n"
          "      selector.select() asks the OS \"wake me when this socket has bytes\" (Rust: poll(2)); the peer\n"
          "      wrote, select said readable, then the non-blocking recv got %d bytes: %r"
          % (ready_after * 1e6, len(data), data.decode()))
    for s in (sel, client, peer, listener):
        s.close()
    steps = [(t1, wouldblock), (t2, blocking_wait), (t3, ready_after)]  # for --trace
    return wouldblock, blocking_wait, steps


# ----------------------------------------------------------------------------------------
# Part two: the servers

def blocking_server(listener, clients, start, patience):
    """accept, greet, recv (the thread sleeps through the client's think time), echo."""
    served_at, greeted = [], []
    for _ in range(clients):
        conn, _ = listener.accept()
        greeted.append(time.perf_counter() - start)
        with conn:
            conn.settimeout(patience)
            conn.sendall(GREETING)
            line = b""
            while not line.endswith(b"\n"):
                chunk = conn.recv(512)
                if not chunk:
                    raise RuntimeError("a client hung up before sending its line")
                line += chunk
            conn.sendall(line)
        served_at.append(time.perf_counter() - start)
    return {"served_at": served_at, "wakeups": 0, "most_open": 1, "last_greeted": 0.0,
            "greeted": greeted, "woke": []}


def nonblocking_server(listener, clients, start, poller):
    """One selectors loop: sleep until some socket is ready, do what it allows, repeat."""
    listener.setblocking(False)
    sel = make_selector(poller)
    sel.register(listener, selectors.EVENT_READ, None)
    served_at, greeted, woke = [], [], []
    wakeups = open_now = most_open = 0
    last_greeted = 0.0
    while len(served_at) < clients:
        events = sel.select()
        wakeups += 1
        if len(woke) < 2000:
            woke.append((time.perf_counter() - start, len(events)))
        for key, mask in events:
            if key.data is None:  # the listener: take everyone in the accept queue
                while True:
                    try:
                        conn, _ = listener.accept()
                    except BlockingIOError:
                        break
                    conn.setblocking(False)
                    state = {"in": b"", "out": GREETING, "echoing": False}
                    flush(conn, state)
                    sel.register(conn, interest(state), state)
                    open_now += 1
                    most_open = max(most_open, open_now)
                    last_greeted = time.perf_counter() - start
                    greeted.append(last_greeted)
                continue
            conn, state = key.fileobj, key.data
            if mask & selectors.EVENT_READ and not state["echoing"]:
                chunk = conn.recv(512)
                state["in"] += chunk
                if b"\n" in state["in"]:
                    line, _, state["in"] = state["in"].partition(b"\n")
                    state["out"] += line + b"\n"
                    state["echoing"] = True
                elif not chunk:
                    raise RuntimeError("a client hung up before sending its line")
            if flush(conn, state) and state["echoing"]:
                sel.unregister(conn)
                conn.close()
                open_now -= 1
                served_at.append(time.perf_counter() - start)
            else:
                sel.modify(conn, interest(state), state)
    sel.close()
    return {"served_at": served_at, "wakeups": wakeups, "most_open": most_open,
            "last_greeted": last_greeted, "greeted": greeted, "woke": woke}


def interest(state):
    """Read until the line is in; write while anything is pending."""
    if state["echoing"]:
        return selectors.EVENT_WRITE
    return selectors.EVENT_READ | (selectors.EVENT_WRITE if state["out"] else 0)


def flush(conn, state):
    """Send what is pending without waiting; True when nothing is left."""
    while state["out"]:
        try:
            n = conn.send(state["out"])
        except BlockingIOError:
            return False
        state["out"] = state["out"][n:]
    return True


# ----------------------------------------------------------------------------------------
# Part two: the clients (a child process)

def run_clients(addr, clients, delay, poller, t0=0.0, timed=0):
    """Connect (at most CONNECT_WINDOW waiting for a greeting), think D after the greeting,
    send the line, check the echo. One thread, non-blocking sockets, a timer queue. The
    first `timed` clients note their moments (connect, connected, greeted, sent, echoed)
    in seconds from t0, for --trace; returns (echoed, those moments)."""
    times = [[i, 0.0, 0.0, 0.0, 0.0, 0.0] for i in range(min(timed, clients))]

    def note(i, moment):
        if i < len(times):
            times[i][moment] = time.perf_counter() - t0

    host, port = addr.rsplit(":", 1)
    target = (host, int(port))
    sel = make_selector(poller)
    thinking = collections.deque()
    nxt = ungreeted = echoed = 0
    patience = delay + 10.0
    last_progress = time.monotonic()
    while echoed < clients:
        while nxt < clients and ungreeted < CONNECT_WINDOW:
            note(nxt, 1)
            try:
                s = socket.create_connection(target)
            except OSError as e:
                raise RuntimeError("client %d cannot connect to %s: %s" % (nxt, addr, e))
            note(nxt, 2)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, {"i": nxt, "in": b"", "phase": "greeting"})
            nxt += 1
            ungreeted += 1
        timeout = max(0.0, thinking[0][0] - time.monotonic()) if thinking else patience
        events = sel.select(timeout)
        now = time.monotonic()
        if events:
            last_progress = now
        while thinking and thinking[0][0] <= now:
            _, s = thinking.popleft()
            sel.get_key(s).data["phase"] = "echo"
            s.sendall(message(sel.get_key(s).data["i"]))  # a few bytes: fits the buffer
            note(sel.get_key(s).data["i"], 4)
            last_progress = now
        for key, _ in events:
            s, st = key.fileobj, key.data
            chunk = s.recv(512)
            st["in"] += chunk
            if b"\n" not in st["in"]:
                if not chunk:
                    raise RuntimeError("client %d: the server hung up early" % st["i"])
                continue
            line, _, st["in"] = st["in"].partition(b"\n")
            line += b"\n"
            if st["phase"] == "greeting" and line == GREETING:
                note(st["i"], 3)
                st["phase"] = "thinking"
                thinking.append((time.monotonic() + delay, s))
                ungreeted -= 1
            elif st["phase"] == "echo" and line == message(st["i"]):
                note(st["i"], 5)
                sel.unregister(s)
                s.close()
                echoed += 1
            else:
                raise RuntimeError("client %d: unexpected line %r" % (st["i"], line))
        if time.monotonic() - last_progress > patience:
            raise RuntimeError("no answer from the server for %d s (%d of %d echoed)"
                               % (patience, echoed, clients))
    return echoed, times


# ----------------------------------------------------------------------------------------
# Part two: one server against the client process

def serve(which, args):
    clients, delay = args.clients, args.delay_ms / 1000.0
    patience = delay + 10.0
    listener = socket.create_server(("127.0.0.1", 0), backlog=BACKLOG)
    host, port = listener.getsockname()
    addr = "%s:%d" % (host, port)
    name = "blocking" if which == "blocking" else "non-blocking"
    print("running the %s server on %s ..." % (name, addr))

    cpu_before = cpu_used()
    child = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--client-role", addr,
         "--clients", str(clients), "--delay-ms", str(args.delay_ms), "--poller", args.poller,
         "--client-times", str(DRAWN_CLIENTS if args.trace else 0)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # The clock starts when the child is ready to connect: interpreter start-up is not
    # the server's work.
    ready = child.stdout.readline()
    start = time.perf_counter()
    result = {}

    def server():
        try:
            if which == "blocking":
                result["ok"] = blocking_server(listener, clients, start, patience)
            else:
                result["ok"] = nonblocking_server(listener, clients, start, args.poller)
        except Exception as e:  # reported by the main thread
            result["err"] = e
        finally:
            listener.close()

    thread = threading.Thread(target=server, name=name + " server", daemon=True)
    try:
        if ready.startswith(b"client-role: ready"):
            thread.start()
        out, err = child.communicate()
    finally:
        if child.poll() is None:  # never leave the client process behind
            child.kill()
            child.wait()
    if thread.is_alive():
        thread.join(patience if child.returncode == 0 else 0.2)
    if "err" in result:
        raise RuntimeError("the %s server failed: %s; try fewer --clients" % (name, result["err"]))
    if child.returncode != 0:
        why = [l[len("error: "):] for l in err.decode().splitlines() if l.startswith("error: ")]
        raise RuntimeError("the client process failed (exit %s): %s"
                           % (child.returncode, why[0] if why else err.decode().strip()))
    if "ok" not in result:
        raise RuntimeError("the %s server did not finish after every echo arrived" % name)
    fields = dict(kv.split("=", 1) for kv in out.decode().split() if "=" in kv)
    run = result["ok"]
    run["echoed"] = int(fields.get("echoed", 0))
    run["total"] = max(run["served_at"])
    run["cpu"] = cpu_used() - cpu_before
    run["start"] = start
    run["client_times"] = [[float(x) for x in line.split()[2:]]
                           for line in out.decode().splitlines()
                           if line.startswith("client-role: times ")]
    return run


def part_two_heading(args):
    print("\npart two: an echo server on ONE thread, %d client(s) in a child process. Each client connects,\n"
          "  waits for the server's \"ready\", thinks %d ms (delay_ms: waits before it sends, as a slow user would),\n"
          "  sends one line and checks the echo." % (args.clients, args.delay_ms))


POLLER_CALL = {
    "epoll": "selector.select() (poller epoll: selectors.EpollSelector, Linux's call that waits on many sockets)",
    "poll": "selector.select() (poller poll: selectors.PollSelector, the whole socket list goes to the kernel "
            "on every call)",
}


def busy_machine_note():
    """One line when the machine was busier than its cores (the 1-minute load average)."""
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return
    if load > cores:
        print("  note: the machine was busy (load average %.1f on %d core(s)): the clients' connects\n"
              "  and echoes are CPU work, so total_s and ratio grew with it, not the waits" % (load, cores))


def report(args, blocking, nonblocking, timeout):
    clients, d = args.clients, args.delay_ms / 1000.0
    print()
    print("  server        clients  echoed  total_s  waits_s   ratio  cpu_s")
    for name, run, waits in (("blocking", blocking, clients * d), ("non-blocking", nonblocking, d)):
        if run:
            print("  %-12s  %7d  %6d  %7.3f  %7.3f  %6.3f  %5.3f"
                  % (name, clients, run["echoed"], run["total"], waits, run["total"] / waits,
                     run["cpu"]))
    print("  total_s: from the client process's \"ready\" to the last echo. waits_s: the think times this server\n"
          "  must sit through (one after another when blocking: clients x delay; all at once otherwise: one delay).\n"
          "  ratio = total_s / waits_s (1.0: nothing but the waits). cpu_s: CPU time (user + system) of the server\n"
          "  and the client process together, start-up included: the work, as against the waiting.\n"
          "  summary keys: blocking_s and nonblocking_s are the rows' total_s, blocking_ratio and nonblocking_ratio\n"
          "  their ratio, echoed the two rows' echoed added up.")
    print("  when each client was done (ms after the client process was ready):")
    print("    client   blocking  non-blocking")
    if clients <= 12:
        rows = list(range(clients))
    else:
        rows = sorted(set([0, 1, 2, clients // 4, clients // 2, 3 * clients // 4,
                           clients - 2, clients - 1]))

    def at(run, i):
        return "%.1f" % (run["served_at"][i] * 1e3) if run else "-"

    previous = None
    for i in rows:
        if previous is not None and i > previous + 1:
            print("    %6s" % "...")
        previous = i
        print("    %6d  %9s  %12s" % (i + 1, at(blocking, i), at(nonblocking, i)))
    if blocking:
        print("  blocking: the thread slept in recv() through each client's think time in "
              "turn: %.3f s for %d x %d ms" % (blocking["total"], clients, args.delay_ms))
    if nonblocking:
        print("  non-blocking: the thread slept in %s,\n"
              "  watching every socket at once, and woke %d times (a wake-up: the call returned with some sockets\n"
              "  ready, each then read or written without waiting); up to %d client sockets were open at once.\n"
              "  last_greeted_ms %.1f: the last client got its \"ready\" %.1f ms after the start (the time to connect "
              "and accept them all)"
              % (POLLER_CALL.get(args.poller, args.poller), nonblocking["wakeups"], nonblocking["most_open"],
                 nonblocking["last_greeted"] * 1e3, nonblocking["last_greeted"] * 1e3))
    if blocking and nonblocking:
        print("  speedup %.2f = blocking_s / nonblocking_s: the non-blocking server finished that many times\n"
              "  sooner, on the same one thread" % (blocking["total"] / nonblocking["total"]))
    busy_machine_note()
    parts = "".join(part for part, run in (
        (" + the blocking server's waits_s (%.3f s)" % (clients * d), blocking),
        (" + the non-blocking server's waits_s (%.3f s)" % d, nonblocking)) if run)
    print("\nideal_s %.3f: the time the deliberate waits alone take:\n  part one's read timeout (%d ms)%s"
          % (timeout + (clients * d if blocking else 0) + (d if nonblocking else 0), timeout * 1000, parts))


# ----------------------------------------------------------------------------------------
# --trace: the same groups, tracks and slice names as the Rust demo

DRAWN_CLIENTS = 100  # clients with a track of their own; the counter counts them all


def draw(trace, args, steps, blocking, nonblocking):
    main = trace.track(trace.group("part one: read a socket with no data"), "main thread")
    names = [("read", "non-blocking read: WouldBlock at once"),
             ("blocked in read", "blocking read: asleep until the %d ms timeout"
              % args.read_timeout_ms),
             ("waits in poll", "poll() until readable, then read")]
    for (kind, name), (t, took) in zip(names, steps):
        trace.slice(main, kind, name, t, t + took)
    for blocking_kind, run in ((True, blocking), (False, nonblocking)):
        if run:
            draw_server(trace, blocking_kind, args.delay_ms, run)


def draw_server(trace, blocking, delay_ms, run):
    group = trace.group("blocking server: ONE thread, one client at a time" if blocking
                        else "non-blocking server: ONE thread, every client at once")
    thread = trace.track(group, "the server's one thread")
    start = run["start"]
    edges = sorted([(t, 1) for t in run["greeted"]] + [(t, -1) for t in run["served_at"]])
    now = 0
    trace.counter(group, "clients being served", start, 0)
    for t, step in edges:
        now += step
        trace.counter(group, "clients being served", start + t, now)
    if blocking:
        for n, (t0, t1) in enumerate(zip(run["greeted"], run["served_at"]), 1):
            trace.slice(thread, "serves one client", "serves client #%d" % n, start + t0,
                        start + t1)
    else:
        for n, (t, ready) in enumerate(run["woke"], 1):
            trace.instant(thread, "wake-up #%d: %d socket(s) ready" % (n, ready), start + t)
    for i, connect, connected, greeted, sent, echoed in run["client_times"]:
        n = int(i) + 1
        track = trace.track(group, "client #%d" % n)
        for kind, name, t0, t1 in (
                ("connect", "connect", connect, connected),
                ("waits for the server", "waits for ready", connected, greeted),
                ("thinks", "thinks %d ms" % delay_ms, greeted, sent),
                ("echo", "sends, gets the echo", sent, echoed)):
            trace.slice(track, kind, name, start + t0, start + t1)


def na(x, fmt):
    return "na" if x is None else fmt % x


def main():
    args = parse_args()
    try:
        return demo(args)
    except (BrokenPipeError, KeyboardInterrupt):
        raise  # the frame below ends these the way a shell expects
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise  # stdout is full: the frame says so
        print(f"error: {e}; is the loopback interface up? try fewer --clients", file=sys.stderr)
        return 1
    except (RuntimeError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


def demo(args):
    if args.client_role:
        ensure_open_files(args.clients + 64, args.clients)
        print("client-role: ready", flush=True)  # the parent starts its clock here
        t0 = time.perf_counter()
        echoed, times = run_clients(args.client_role, args.clients, args.delay_ms / 1000.0,
                                    args.poller, t0, args.client_times)
        for t in times:
            print("client-role: times %d %s" % (t[0], " ".join("%.6f" % x for x in t[1:])))
        print("client-role: echoed=%d" % echoed)
        return
    run_blocking = args.server in ("both", "blocking")
    run_nonblocking = args.server in ("both", "nonblocking")
    if run_nonblocking:
        old = ensure_open_files(args.clients + 64, args.clients)
        if old is not None:
            print("raised the soft open-file limit (RLIMIT_NOFILE) from %d" % old)
    timeout = args.read_timeout_ms / 1000.0
    trace = Trace(on=bool(args.trace))
    wouldblock, blocking_wait, steps = read_without_data(timeout)
    part_two_heading(args)
    blocking = serve("blocking", args) if run_blocking else None
    nonblocking = serve("nonblocking", args) if run_nonblocking else None
    report(args, blocking, nonblocking, timeout)
    if args.trace:
        draw(trace, args, steps, blocking, nonblocking)
        if args.clients > DRAWN_CLIENTS:
            sample = ("%d clients per server: the first %d have a track each; the counter "
                      "\"clients being served\" counts them all" % (args.clients, DRAWN_CLIENTS))
            trace.note(sample)
            print("trace: " + sample)
        try:
            trace.write(args.trace)
        except OSError as e:
            if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                raise
            raise RuntimeError("cannot write the trace to %s: %s; check that its folder exists"
                               % (args.trace, e.strerror))
        print("trace written to %s (open it in ui.perfetto.dev or vizviewer)" % args.trace)

    k, d = args.clients, args.delay_ms / 1000.0
    b = blocking["total"] if blocking else None
    n = nonblocking["total"] if nonblocking else None
    runs = [r for r in (blocking, nonblocking) if r]
    echoed = sum(r["echoed"] for r in runs)
    ideal = {"both": k * d + d, "blocking": k * d, "nonblocking": d}[args.server] + timeout
    print("summary: clients=%d delay_ms=%d read_timeout_ms=%d poller=%s wouldblock_us=%.1f "
          "blocking_wait_ms=%.1f blocking_s=%s nonblocking_s=%s blocking_ratio=%s "
          "nonblocking_ratio=%s speedup=%s echoed=%d last_greeted_ms=%s ideal_s=%.3f" % (
              k, args.delay_ms, args.read_timeout_ms, args.poller, wouldblock * 1e6,
              blocking_wait * 1e3, na(b, "%.3f"), na(n, "%.3f"),
              na(b / (k * d) if b else None, "%.3f"), na(n / d if n else None, "%.3f"),
              na(b / n if b and n else None, "%.2f"), echoed,
              na(nonblocking["last_greeted"] * 1e3 if nonblocking else None, "%.1f"), ideal))


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
