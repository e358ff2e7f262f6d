"""The Python side of retries: the same flaky service and the same four policies, in
asyncio. The service is `asyncio.start_server` on 127.0.0.1, failing or stalling a seeded
fraction of requests (the same splitmix64 generator as the Rust side, so the same sequence
of faults) and down for a window of each run; it counts every request it sees. The client
speaks HTTP/1.1 over `asyncio.open_connection`, each attempt under `asyncio.timeout`.
Retrying at once multiplies the load on the service while it is down; the back-off spreads
it; the circuit breaker sheds it; the deadline bounds a call's whole time."""

import argparse
import asyncio
import time

MASK = (1 << 64) - 1


class Rng:
    """splitmix64, as src/policy.rs: the same seed gives the same numbers on both sides."""

    def __init__(self, seed):
        self.state = seed & MASK

    def unit(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return ((z ^ (z >> 31)) >> 11) / float(1 << 53)


class Service:
    """The flaky service. `begin()` restarts its clock, its generator and its count."""

    def __init__(self, args):
        self.args = args
        self.begin(time.perf_counter())

    def begin(self, start):
        self.start, self.rng, self.arrivals = start, Rng(self.args.seed), []

    async def serve(self, reader, writer):
        try:
            while (line := await reader.readline()) not in (b"\r\n", b""):
                pass
            if not line:
                return
            a = self.args
            at = time.perf_counter() - self.start
            roll = self.rng.unit()
            if a.outage_from_ms / 1e3 <= at < a.outage_to_ms / 1e3:
                fate = "down"
            elif roll < a.fail:
                fate = "fail"
            elif roll < a.fail + a.stall:
                fate = "stall"
            else:
                fate = "ok"
            self.arrivals.append((at, fate))
            if fate == "stall":
                await asyncio.sleep(1.0)
            status = "200 OK" if fate in ("ok", "stall") else "503 Service Unavailable"
            writer.write(f"HTTP/1.1 {status}\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n".encode())
            await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


async def get(port):
    """One GET on a new connection: True for a 200."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        await writer.drain()
        status = await reader.readline()
        await reader.read()
        return status.split()[1:2] == [b"200"]
    finally:
        writer.close()


class Breaker:
    """Closed: counts failures in a row; after `trip_after`, open: fails calls at once for
    `cool_down`; then half-open: one trial, whose result closes or opens it again. One
    event loop, one thread: no lock needed between the awaits."""

    def __init__(self, trip_after, cool_down):
        self.trip_after, self.cool_down = trip_after, cool_down
        self.state, self.failures, self.until = "closed", 0, 0.0

    def allow(self, now):
        if self.state == "closed":
            return True
        if self.state == "open" and now >= self.until:
            self.state = "half-open"
            return True
        return False

    def record(self, ok, now):
        if ok:
            self.state, self.failures = "closed", 0
        elif self.state == "closed" and self.failures + 1 < self.trip_after:
            self.failures += 1
        else:
            self.state, self.until = "open", now + self.cool_down


async def call(port, policy, a, breaker, jitter):
    """One call under a policy: its attempts as (start, end, outcome)."""
    start = time.perf_counter()
    backs_off = policy in ("backoff", "breaker")
    deadline = start + (a.deadline_ms / 1e3 if backs_off else 1e9)
    tries = []
    for n in range(a.attempts):
        t0 = time.perf_counter()
        if policy == "breaker" and not breaker.allow(t0):
            tries.append((t0, t0, "shed"))
            return tries
        try:
            async with asyncio.timeout(min(a.timeout_ms / 1e3, max(0.0, deadline - t0))):
                outcome = "ok" if await get(port) else "failed"
        except TimeoutError:
            outcome = "timed out"
        except OSError:
            outcome = "failed"
        t1 = time.perf_counter()
        tries.append((t0, t1, outcome))
        if policy == "breaker":
            breaker.record(outcome == "ok", t1)
        if outcome == "ok" or policy == "once" or n + 1 == a.attempts:
            break
        if backs_off:
            wait = a.base_ms / 1e3 * 2**n * jitter.unit()  # exponential, full jitter
            if time.perf_counter() + wait >= deadline:
                break  # the deadline bounds the whole call
            await asyncio.sleep(wait)
    return tries


async def calls(port, policy, a, start):
    """The calls arrive on a schedule, whatever happens to them; each is a task."""
    breaker = Breaker(a.trip_after, a.cool_down_ms / 1e3)
    gap = a.spread_ms / 1e3 / a.calls
    tasks = []
    for i in range(a.calls):
        await asyncio.sleep(max(0.0, start + gap * i - time.perf_counter()))
        jitter = Rng(a.seed ^ (i << 32))
        tasks.append(asyncio.create_task(call(port, policy, a, breaker, jitter)))
    return [await t for t in tasks]


POLICIES = [("once", "once, with a timeout"), ("now", "retry at once"),
            ("backoff", "back-off + jitter, deadline"), ("breaker", "back-off + circuit breaker")]


def record(trace, name, start, outage, done, arrivals):
    """As src/recording.rs: each run's times from its own start, so the runs line up."""
    if not trace.on:
        return
    zero = trace.start

    def at(t):
        return zero + max(0.0, t - start)

    group = trace.group(name)
    service = trace.track(group, "service")
    trace.slice(service, "service down", "service down (every request a 503)",
                zero + outage[0], zero + outage[1])
    kinds = {"ok": "200 ok", "failed": "503", "timed out": "timed out"}
    for i, tries in enumerate(done):
        track = trace.track(group, f"call {i}")
        for n, (t0, t1, outcome) in enumerate(tries):
            if n > 0:
                trace.slice(track, "back-off", "back-off", at(tries[n - 1][1]), at(t0))
            if outcome == "shed":
                trace.instant(track, "shed", at(t0))
            else:
                kind = kinds[outcome]
                trace.slice(track, kind, f"attempt {n + 1}: {kind}", at(t0), at(t1))
    last = max((t for t, _ in arrivals), default=0.0)
    t = 0.0
    while t <= last + 0.010:
        n = sum(1 for a, _ in arrivals if t <= a < t + 0.010)
        trace.counter(group, "service requests/s", zero + t, n / 0.010)
        t += 0.010


async def demo(a, trace):
    service = Service(a)
    server = await asyncio.start_server(service.serve, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"{a.calls} calls over {a.spread_ms} ms to http://127.0.0.1:{port}/, per policy; the "
          f"service fails {a.fail:.0%} (a 503) and\nstalls {a.stall:.0%} (answers after 1 s) "
          f"of requests (seed {a.seed}), and is down from {a.outage_from_ms} to "
          f"{a.outage_to_ms} ms\nof each run; every attempt times out after {a.timeout_ms} ms "
          f"(asyncio.timeout); up to {a.attempts} attempts a call")
    print(f"\n{'policy':<28} {'ok %':>6} {'requests':>9} {'load':>6} {'outage rps':>11} "
          f"{'mean ms':>8} {'slowest ms':>9}")
    outage = (a.outage_to_ms - a.outage_from_ms) / 1e3
    rows = {}
    async with server:
        for key, name in POLICIES:
            start = time.perf_counter()
            service.begin(start)
            done = await calls(port, key, a, start)
            arrivals = list(service.arrivals)
            record(trace, name, start, (a.outage_from_ms / 1e3, a.outage_to_ms / 1e3), done, arrivals)
            times = [t[-1][1] - t[0][0] for t in done]
            row = {
                "ok": 100 * sum(t[-1][2] == "ok" for t in done) / len(done),
                "load": len(arrivals) / len(done),
                "rps": sum(f == "down" for _, f in arrivals) / outage,
                "shed": sum(t[-1][2] == "shed" for t in done),
                "slowest": max(times) * 1e3,
            }
            rows[key] = row
            print(f"{name:<28} {row['ok']:>6.1f} {len(arrivals):>9} {row['load']:>5.2f}x "
                  f"{row['rps']:>11.0f} {sum(times) / len(times) * 1e3:>8.1f} {row['slowest']:>9.1f}")
        server.close()
    return rows


def main() -> None:
    def fraction(text):
        x = float(text)
        if not 0 <= x <= 1:
            raise argparse.ArgumentTypeError(f"{text} is not a fraction from 0 to 1")
        return x

    def ranged(lo, hi):
        def parse(text):
            x = int(text)
            if not lo <= x <= hi:
                raise argparse.ArgumentTypeError(f"{text} is not in {lo}..={hi}")
            return x
        return parse

    p = argparse.ArgumentParser(description="Timeouts, retries, back-off with jitter and a "
                                "circuit breaker against a flaky local asyncio service.")
    p.add_argument("--calls", type=ranged(1, 5000), default=100, help="calls per policy (1 to 5000)")
    p.add_argument("--spread-ms", type=ranged(10, 60000), default=500, help="how long the calls take to arrive, in ms")
    p.add_argument("--fail", type=fraction, default=0.2, help="the fraction of requests failed at once (503)")
    p.add_argument("--stall", type=fraction, default=0.05, help="the fraction stalled (answered after 1 s)")
    p.add_argument("--outage-from-ms", type=ranged(0, 60000), default=150, help="the outage's start in each run, in ms")
    p.add_argument("--outage-to-ms", type=ranged(1, 60000), default=350, help="the outage's end, in ms")
    p.add_argument("--timeout-ms", type=ranged(1, 10000), default=50, help="per-attempt timeout, in ms")
    p.add_argument("--attempts", type=ranged(1, 20), default=5, help="attempts per call at most")
    p.add_argument("--base-ms", type=ranged(1, 10000), default=20, help="the first back-off's cap, in ms; it doubles")
    p.add_argument("--deadline-ms", type=ranged(1, 60000), default=150, help="a back-off call's whole time at most, in ms")
    p.add_argument("--trip-after", type=ranged(1, 1000), default=5, help="failures in a row that open the breaker")
    p.add_argument("--cool-down-ms", type=ranged(1, 60000), default=50, help="how long the open breaker fails calls, in ms")
    p.add_argument("--seed", type=ranged(0, 2**64 - 1), default=26, help="the seed of the faults and the jitter")
    p.add_argument("--trace", metavar="FILE", help="write the run to FILE as a Chrome trace")
    a = p.parse_args()
    if a.fail + a.stall > 1:
        p.error("--fail and --stall add up to more than 1")
    if a.outage_to_ms <= a.outage_from_ms:
        p.error("--outage-to-ms must be after --outage-from-ms")
    trace = Trace(on=a.trace is not None)
    rows = asyncio.run(demo(a, trace))
    print(f"\nok %: calls that got a 200 in the end. requests: what the SERVICE counted arriving.\n"
          f"load: requests per call (1.00x = no retries). outage rps: requests per second the\n"
          f"service saw while it was down (the calls alone offer {a.calls / (a.spread_ms / 1e3):.0f}/s).\n"
          f"mean / slowest ms: a call's whole time, retries and waits included; the back-off\n"
          f"rows stop at their {a.deadline_ms} ms deadline (or an event-loop tick past it).\n"
          f"the breaker is a plain object: one event loop, one thread, no lock; it shed "
          f"{rows['breaker']['shed']} calls.")
    if a.trace:
        trace.write(a.trace)
        print(f"trace written to {a.trace} (open it in ui.perfetto.dev or vizviewer)")
    r = rows
    print(f"summary: calls={a.calls} ok_once={r['once']['ok']:.1f} ok_now={r['now']['ok']:.1f} "
          f"ok_backoff={r['backoff']['ok']:.1f} ok_breaker={r['breaker']['ok']:.1f} "
          f"load_once={r['once']['load']:.2f} load_now={r['now']['load']:.2f} "
          f"load_backoff={r['backoff']['load']:.2f} load_breaker={r['breaker']['load']:.2f} "
          f"outage_rps_now={r['now']['rps']:.0f} outage_rps_breaker={r['breaker']['rps']:.0f} "
          f"shed={r['breaker']['shed']} "
          f"slowest_backoff_ms={max(r['backoff']['slowest'], r['breaker']['slowest']):.1f} "
          f"deadline_ms={a.deadline_ms} ideal_s={4 * a.spread_ms / 1e3:.3f}")


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
