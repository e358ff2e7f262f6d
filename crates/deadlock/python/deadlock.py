"""The Python side of deadlock: two threads take two threading.Locks in opposite order and
hang. A watchdog runs the pair in a child process (this same script, with --role), sees
both threads waiting past a deadline, says who holds what and what the kernel says they
do, then kills and reaps the child. Then one lock order, and acquire(blocking=False) with a
back-off, both timed. Last, asyncio: a task holds an asyncio.Lock across an await on a
task that needs the same lock, on one thread, seen by asyncio.timeout."""

import argparse
import asyncio
import os
import queue
import random
import subprocess
import sys
import threading
import time

WAYS = {"opposite": "opposite order", "one-order": "one order (A, then B)",
        "try-lock": "try_lock + back-off"}


SAY = threading.Lock()


def say(me, what, detail=""):
    with SAY:  # one write a line: two threads' prints would interleave
        sys.stdout.write(f"step {me} {what} {detail}\n")
        sys.stdout.flush()


# ---- the child: two threads, two locks
def two_threads_two_locks(way, rounds, work):
    """Thread 1 takes A then B; thread 2 takes B then A (A then B in the one-order way).
    Each works `work` s holding its first lock, then takes the second."""
    def end_with_the_parent():  # stdin closes when the parent ends: so do we
        while os.read(0, 4096):  # the raw fd: a buffered reader would hold a lock at exit
            pass
        os._exit(3)

    threading.Thread(target=end_with_the_parent, daemon=True).start()
    locks = {"A": threading.Lock(), "B": threading.Lock()}
    started = threading.Barrier(2)

    def worker(me, first, second):
        say(me, "started", threading.get_native_id())
        started.wait()  # start together: the bad timing is then the likely one
        for _ in range(rounds):
            take_both(me, way, first, second, locks, work)
            say(me, "released", "both")
        say(me, "done")

    orders = [("A", "B"), ("A", "B") if way == "one-order" else ("B", "A")]
    # daemon: a thread blocked forever on a Lock must not keep the interpreter from exiting
    threads = [threading.Thread(target=worker, args=(me, *order), daemon=True)
               for me, order in zip((1, 2), orders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()  # in the opposite way this never returns: the watchdog kills the process


def take_both(me, way, first, second, locks, work):
    pause_up_to = work
    while True:
        say(me, "wants", first)
        locks[first].acquire()
        say(me, "took", first)
        time.sleep(work)  # the work that needs the first lock
        if way != "try-lock":
            say(me, "wants", second)
            locks[second].acquire()  # opposite way: waits forever
            say(me, "took", second)
            break
        if locks[second].acquire(blocking=False):
            say(me, "took", second)
            break
        locks[first].release()  # let go, so the other thread can finish
        pause = random.uniform(0, pause_up_to)
        say(me, "backoff", int(pause * 1e6))
        time.sleep(pause)
        pause_up_to *= 2  # exponential back-off
    locks[second].release()
    locks[first].release()


# ---- the watchdog
def proc_stat(pid, tid):
    try:
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def cpu_ticks(pid, tid):
    f = proc_stat(pid, tid)
    return int(f[11]) + int(f[12]) if f else None


def kernel_view(pid, tid):
    f = proc_stat(pid, tid)
    try:
        with open(f"/proc/{pid}/task/{tid}/wchan") as w:
            wchan = w.read().strip() or "-"
    except OSError:
        wchan = "-"
    return (f[0] if f else "-"), (wchan if wchan != "0" else "-")


def children_left():
    me, n = str(os.getpid()), 0
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and fields[1] == me:
            n += 1
    return n


def watch(way, rounds, work, deadline, trace):
    """Runs the pair in a child, keeps a model of who holds and waits for what, and ends
    the child: by itself, or killed when every thread waits past the deadline."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--role", way,
                              "--rounds", str(rounds), "--work-ms", str(int(work * 1000))],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        return watch_child(child, way, start, deadline, trace)
    finally:
        if child.poll() is None:
            child.kill()
        child.stdin.close()
        child.wait()


def watch_child(child, way, start, deadline, trace):
    lines = queue.Queue()

    def read():
        for line in child.stdout:
            lines.put((time.perf_counter(), line.decode()))
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    group = trace.group(WAYS[way])
    dog = trace.track(group, "watchdog")
    threads = {}
    w = {"way": way, "rounds_done": 0, "backoffs": 0, "longest_wait": 0.0, "stuck": [],
         "detected": None}
    before = {}

    def begin(t, name, kind, at):
        end_phase(t, at)
        t["phase"] = (name, kind, at)

    def end_phase(t, at):
        if t["phase"]:
            name, kind, since = t["phase"]
            trace.slice(t["track"], kind, name, since, at)
            t["phase"] = None

    while True:
        try:
            item = lines.get(timeout=0.005)
        except queue.Empty:
            item = ()
        if item is None:
            break
        if item:
            at, line = item
            words = line.split()
            if len(words) >= 3 and words[0] == "step":
                n, what, detail = int(words[1]), words[2], (words[3] if len(words) > 3 else "")
                t = threads.setdefault(n, {"tid": 0, "holds": [], "wants": None, "done": False,
                                           "phase": None,
                                           "track": trace.track(group, f"thread {n}")})
                if what == "started":
                    t["tid"] = int(detail)
                elif what == "wants":
                    phase = (f"holds {t['holds'][0]}, waits for {detail}" if t["holds"]
                             else f"waits for {detail}")
                    begin(t, phase, "waits for a lock", at)
                    t["wants"] = (detail, at)
                elif what == "took":
                    if t["wants"]:
                        w["longest_wait"] = max(w["longest_wait"], at - t["wants"][1])
                    t["wants"] = None
                    t["holds"].append(detail)
                    begin(t, "holds " + " and ".join(t["holds"]), "holds a lock", at)
                elif what == "released":
                    t["holds"] = []
                    w["rounds_done"] += 1
                    end_phase(t, at)
                elif what == "backoff":
                    t["holds"] = []
                    w["backoffs"] += 1
                    begin(t, "let go, backs off", "backs off", at)
                elif what == "done":
                    t["done"] = True
                    end_phase(t, at)
                all_wait = len(threads) == 2 and all(t["wants"] for t in threads.values())
                before = ({n: cpu_ticks(child.pid, t["tid"]) for n, t in threads.items()}
                          if all_wait else {})
        now = time.perf_counter()
        if len(threads) == 2 and all(t["wants"] and now - t["wants"][1] >= deadline
                                     for t in threads.values()):
            for n, t in threads.items():
                wants = t["wants"][0]
                held_by = next((m for m, o in threads.items() if wants in o["holds"]), None)
                state, wchan = kernel_view(child.pid, t["tid"])
                a, b = before.get(n), cpu_ticks(child.pid, t["tid"])
                w["stuck"].append({"thread": n, "holds": list(t["holds"]), "wants": wants,
                                   "held_by": held_by, "state": state, "wchan": wchan,
                                   "ticks": (b - a) if a is not None and b is not None else None})
                w["longest_wait"] = max(w["longest_wait"], now - t["wants"][1])
            trace.instant(dog, "deadlock seen: both stuck past the deadline; kill the child", now)
            for t in threads.values():
                end_phase(t, now)
            child.kill()  # SIGKILL: a thread blocked on a Lock cannot be woken any other way
            w["detected"] = now - start
            break
    child.stdin.close()
    code = child.wait()
    reader.join()
    w["took"] = time.perf_counter() - start
    trace.slice(dog, "watches", f"watches pid {child.pid}", start, start + w["took"])
    w["finished"] = code == 0 and all(t["done"] for t in threads.values())
    w["exit"] = "killed (SIGKILL), reaped" if code == -9 else f"exit {code}"
    s = w["stuck"]
    w["cycle"] = len(s) == 2 and all(x["held_by"] not in (None, x["thread"]) for x in s)
    w["children_left"] = children_left()
    return w


def print_watched(w):
    if w["detected"] is not None:
        print(f"   the watchdog, at {w['detected']:.2f} s: every thread has waited for a lock "
              "past the deadline")
        print(f"   {'thread':<9} {'holds':<6} {'waits for':<10} {'held by':<9} {'state':<6} "
              f"{'sleeps in':<15} CPU while stuck")
        for s in w["stuck"]:
            held_by = f"thread {s['held_by']}" if s["held_by"] else "nobody"
            ticks = "unknown" if s["ticks"] is None else f"{s['ticks']} ticks"
            print(f"   {'thread ' + str(s['thread']):<9} {'+'.join(s['holds']):<6} "
                  f"{s['wants']:<10} {held_by:<9} {s['state']:<6} {s['wchan']:<15} {ticks}")
        print("   (state S: asleep in the kernel; sleeps in: the kernel function it waits in, "
              "a futex\n    is a lock's queue of waiters; CPU while stuck: clock ticks used "
              "since both waited)")
        if w["cycle"]:
            print("   a cycle: each waits for a Lock the other holds, so neither can ever go on.")
    else:
        print(f"   finished by itself: {w['rounds_done']} rounds in {w['took']:.2f} s, "
              f"{w['backoffs']} back-off(s), longest wait for a lock "
              f"{w['longest_wait'] * 1e3:.0f} ms")
    print(f"   the child: {w['exit']}; children left: {w['children_left']}\n")


# ---- asyncio: one thread, one task waiting on itself
def os_threads():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return threading.active_count()


async def one_task_waits_on_itself(deadline, release_first):
    """A task holds an asyncio.Lock across an await on a helper task that needs the same
    lock: neither can go on, yet the one thread runs on. Only a timeout sees it."""
    lock = asyncio.Lock()
    helper_done = asyncio.Event()

    async def helper():
        async with lock:  # the helper needs the same lock
            helper_done.set()

    start = time.perf_counter()
    timed_out = False
    tasks = []
    try:
        async with asyncio.timeout(deadline):
            await lock.acquire()  # the task holds the lock
            try:
                tasks.append(asyncio.create_task(helper()))
                if release_first:
                    lock.release()  # the fix: let go before awaiting what needs it
                # Holding the lock, wait for a task that waits for it. (Awaiting the task
                # itself would cancel it with us at the timeout; tokio would not.)
                await helper_done.wait()
            finally:
                if lock.locked() and not release_first:
                    lock.release()
    except TimeoutError:
        timed_out = True
    end = time.perf_counter()
    await tasks[0]  # the helper gets the lock once the timeout let go of it
    return {"timed_out": timed_out, "took": end - start, "helper_ran": helper_done.is_set(),
            "start": start, "end": end}


async def with_heartbeat(idea, trace, name):
    group = trace.group(f"async, one thread: {name}")
    task_t, helper_t, heart_t = (trace.track(group, n) for n in
                                 ("task", "helper task", "heartbeat task"))
    beats, most = [], [os_threads()]

    async def heart():
        while True:
            await asyncio.sleep(0.010)
            most[0] = max(most[0], os_threads())
            beats.append(time.perf_counter())

    beat = asyncio.create_task(heart())
    try:
        run = await idea
    finally:
        beat.cancel()
    inside = [b for b in beats if run["start"] <= b <= run["end"]]
    for b in inside:
        trace.instant(heart_t, "beat", b)
    if run["timed_out"]:
        trace.slice(task_t, "holds a lock", "holds the lock, awaits the helper",
                    run["start"], run["end"])
        trace.slice(helper_t, "waits for a lock", "waits for the lock", run["start"], run["end"])
        trace.instant(task_t, "timeout: the task is cancelled, the lock released", run["end"])
    else:
        trace.slice(task_t, "holds a lock", "took the lock, let go, awaits the helper",
                    run["start"], run["end"])
        trace.slice(helper_t, "waits for a lock", "takes the lock", run["start"], run["end"])
    run["threads"], run["heartbeats"] = most[0], len(inside)
    return run


async def async_part(deadline, trace):
    hang = await with_heartbeat(one_task_waits_on_itself(deadline, False), trace,
                                "lock held across await")
    fixed = await with_heartbeat(one_task_waits_on_itself(deadline, True), trace,
                                 "lock released first")
    return hang, fixed


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Deadlock: two threads, two Locks, opposite order; a watchdog, two fixes, "
                    "and the asyncio kind")
    parser.add_argument("--deadline-ms", type=int, default=500,
                        help="how long a thread may wait for a lock before the watchdog calls "
                             "it stuck, in ms (50 to 60000)")
    parser.add_argument("--work-ms", type=int, default=40,
                        help="how long each thread works holding its first lock, in ms "
                             "(1 to 10000)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="how many times each thread takes both locks (1 to 1000)")
    parser.add_argument("--trace", metavar="FILE", help="write the run to FILE as a Chrome trace")
    parser.add_argument("--role", choices=list(WAYS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    for flag, value, low, high in (("--deadline-ms", args.deadline_ms, 50, 60000),
                                   ("--work-ms", args.work_ms, 1, 10000),
                                   ("--rounds", args.rounds, 1, 1000)):
        if not low <= value <= high:
            parser.error(f"{flag} must be between {low} and {high}")
    work, deadline = args.work_ms / 1000, args.deadline_ms / 1000
    if args.role:
        two_threads_two_locks(args.role, args.rounds, work)
        return 0
    if args.deadline_ms < 2 * args.rounds * args.work_ms:
        parser.error(f"--deadline-ms {args.deadline_ms} is shorter than a thread may honestly "
                     f"wait (2 x --rounds x --work-ms = {2 * args.rounds * args.work_ms} ms)")
    trace = Trace(on=args.trace is not None)
    print("deadlock, the Python twin: two threads, two threading.Locks (A and B), in a child "
          "process that a\nwatchdog watches. each thread works "
          f"{args.work_ms} ms holding its first lock, then takes the second; a thread\nwaiting "
          f"for a lock over {args.deadline_ms} ms (the deadline) is stuck.\n")
    heads = {"opposite": "1. opposite order: thread 1 takes A then B, thread 2 takes B then A "
                         "(once)",
             "one-order": f"2. one order: both threads take A, then B, {args.rounds} rounds each",
             "try-lock": "3. try_lock + back-off: opposite order, but the second lock with "
                         f"acquire(blocking=False), {args.rounds} rounds each"}
    ways = []
    for way in WAYS:
        print(heads[way])
        w = watch(way, args.rounds, work, deadline, trace)
        print_watched(w)
        ways.append(w)
    print(f"   {'way':<22} {'finished':<9} {'stuck':<6} {'time':<8} {'back-offs':<10} "
          "longest wait")
    for w in ways:
        print(f"   {WAYS[w['way']]:<22} {'yes' if w['finished'] else 'no':<9} "
              f"{len(w['stuck']):<6} {w['took']:.2f} s   {w['backoffs']:<10} "
              f"{w['longest_wait'] * 1e3:.0f} ms")
    hung, ordered, tried = ways
    cost = tried["took"] / ordered["took"]
    print(f"   try_lock's cost: {cost:.2f} times the time of one order, here.\n")
    print("4. asyncio, ONE thread: a task holds an asyncio.Lock across an await on a helper "
          f"task that\n   needs the same lock; asyncio.timeout gives up after {args.deadline_ms} ms")
    hang, fixed = asyncio.run(async_part(deadline, trace))
    print(f"   {'way':<26} {'ended by':<9} {'time':<8} {'OS threads':<11} {'heartbeats':<11} "
          "helper got the lock")
    for name, r in (("lock held across await", hang), ("lock released first", fixed)):
        helper = ("after the timeout" if r["timed_out"] else "yes") if r["helper_ran"] else "no"
        print(f"   {name:<26} {'timeout' if r['timed_out'] else 'itself':<9} "
              f"{r['took']:.3f} s  {r['threads']:<11} {r['heartbeats']:<11} {helper}")
    print("   (OS threads: the most this process had meanwhile; heartbeats: ticks of a 10 ms "
          "task on the\n    same thread while the deadlock held)\n")
    if args.trace:
        trace.write(args.trace)
        print(f"trace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")
    states = {s["state"] for s in hung["stuck"]}
    state = states.pop() if len(states) == 1 and "-" not in states else "unknown"
    ticks = [s["ticks"] for s in hung["stuck"]]
    ticks = "unknown" if None in ticks or not ticks else sum(ticks)
    serial = 2 * args.rounds * work
    ideal = 2 * deadline + work + 2 * serial
    yes = lambda b: "yes" if b else "no"  # noqa: E731
    print(f"summary: deadline_ms={args.deadline_ms} stuck={len(hung['stuck'])} "
          f"cycle={yes(hung['cycle'])} state={state} cpu_ticks={ticks} "
          f"detected_s={hung['detected'] or 0:.3f} "
          f"children_left={sum(w['children_left'] for w in ways)} "
          f"ordered_done={yes(ordered['finished'])} ordered_stuck={len(ordered['stuck'])} "
          f"ordered_s={ordered['took']:.3f} trylock_done={yes(tried['finished'])} "
          f"trylock_stuck={len(tried['stuck'])} trylock_s={tried['took']:.3f} "
          f"backoffs={tried['backoffs']} cost={cost:.2f} "
          f"async_timed_out={yes(hang['timed_out'])} async_threads={hang['threads']} "
          f"heartbeats={hang['heartbeats']} fixed_timed_out={yes(fixed['timed_out'])} "
          f"ideal_s={ideal:.3f}")
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
