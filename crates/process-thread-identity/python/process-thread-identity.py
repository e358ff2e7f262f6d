#!/usr/bin/env python3
"""Python twin of the Rust crate process-thread-identity.

The process id, the number of threads, and the current thread's name; then named
threads start, report from inside, and are joined. Python gives two counts:
threading.active_count() is what the interpreter knows about (Thread objects), while the
kernel's own count (Linux: entries of /proc/self/task) also sees threads Python did not
start. The summary uses the kernel's count where there is one, like the Rust side.

    python3 process-thread-identity.py --threads 4
"""

import argparse
import os
import resource
import sys
import tempfile
import threading
import time

SHOWN_WORKERS = 8
# Each worker's stack: 2 MiB, as a Rust thread gets by default (Python would take the
# stack ulimit, 8 MiB), and what the check ahead counts for it.
STACK_BYTES = 2 << 20


def os_thread_count():
    """The kernel's count of this process's threads, or None where /proc is absent."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


def kernel_thread_name():
    """The name the kernel holds for the calling thread (Linux only)."""
    try:
        with open("/proc/thread-self/comm") as f:
            return f.read().strip()
    except OSError:
        return None


def count():
    """The count the summary reports: the kernel's, else the interpreter's."""
    n = os_thread_count()
    return n if n is not None else threading.active_count()


def check_room_for_threads(n, flag):
    """Stops before any thread starts, with one line naming the flag and the limit, when the
    limits surely leave no room for n more threads: the threads this user may run
    (ulimit -u; root is exempt) and the address space each thread's stack takes (ulimit -v).
    """
    most, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    if most != resource.RLIM_INFINITY and os.getuid() != 0 and n + 1 > most:
        sys.exit(f"error: {flag} {n} asks for more threads than this user may run: at most "
                 f"{most} processes and threads in all (ulimit -u {most}); lower {flag} below "
                 f"{most} or raise ulimit -u")
    limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    if limit == resource.RLIM_INFINITY:
        return
    per_thread = STACK_BYTES + 4096
    room = max(0, limit - address_space_in_use())
    # glibc gives threads that allocate at the same moment malloc arenas of their own, 64 MiB
    # of address space each, up to 8 per processor (MALLOC_ARENA_MAX): count them all.
    arena_max = int(os.environ.get("MALLOC_ARENA_MAX", "0") or 0) or 8 * (os.cpu_count() or 1)
    arenas = min(n, arena_max) if sys.platform == "linux" else 0
    needed = n * per_thread + arenas * (64 << 20)
    if needed > room:
        sys.exit(f"error: {flag} {n} needs about {needed >> 20} MiB of address space for the "
                 f"threads' stacks and glibc's malloc arenas, and the memory limit leaves "
                 f"{room >> 20} MiB (ulimit -v {limit // 1024}); lower {flag}, raise "
                 f"ulimit -v, or set MALLOC_ARENA_MAX=1")


def limits_to_raise():
    """What to tell the user when a thread could not start after all: the limits that are set."""
    most, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    named = []
    if most != resource.RLIM_INFINITY and os.getuid() != 0:
        named.append(f"the thread limit (ulimit -u {most})")
    if limit != resource.RLIM_INFINITY:
        named.append(f"the memory limit (ulimit -v {limit // 1024})")
    return " or ".join(named) or "the process's limits (ulimit -a)"


def address_space_in_use():
    """The address space this process has mapped already (Linux: VmSize; elsewhere 0)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


DRAWN = 100  # workers drawn as tracks; the counter counts them all


class Lives:
    """`--trace FILE`: the same groups, tracks and names as the Rust side: a track for the
    main thread and one per named worker with its life as a slice, main's counts as
    moments, and the OS's thread count as a counter read after each start and join."""

    def __init__(self, on, n):
        self.trace, self.n = Trace(on=on), n
        self.group = self.trace.group(f"one process: main and {n} named thread(s)")
        self.main = self.trace.track(self.group, "main thread")
        self.workers = [self.trace.track(self.group, f"worker-{k}") for k in range(1, min(n, DRAWN) + 1)] if on else []
        self.every = max(1, -(-n // DRAWN))
        if on and n > DRAWN:
            self.trace.note(f"only the first {DRAWN} of {n} workers are drawn as tracks; "
                            "the thread count counts them all")

    def level(self, value):
        if self.trace.on and value is not None:
            self.trace.counter(self.group, "OS thread count", time.perf_counter(), value)

    def count(self, when, value):
        if self.trace.on:
            self.trace.instant(self.main, f"main counts {value} thread(s): {when}", time.perf_counter())
            self.level(value)

    def started(self, k):
        if self.trace.on and (k <= DRAWN or k % self.every == 0):
            self.level(os_thread_count())

    def joined(self, k, born, ended):
        if k <= len(self.workers):
            self.trace.slice(self.workers[k - 1], "a thread's life", f"worker-{k}: alive", born, ended)
        self.started(k)

    def write(self, path, pid):
        self.trace.slice(self.main, "a thread's life", f"main: process {pid}'s first thread, alive",
                         self.trace.start, time.perf_counter())
        try:
            self.trace.write(path)
        except OSError as error:
            sys.exit(f"error: cannot write the trace to {path} ({error.strerror}); check that its folder exists")
        if self.n > DRAWN:
            print(f"trace: the first {DRAWN} workers are drawn as tracks; the thread count counts them all")
        print(f"trace written to {path} (open it in ui.perfetto.dev or vizviewer)")


def describe_this_process():
    pid = os.getpid()
    os_count = os_thread_count()
    shown = os_count if os_count is not None else "unknown (no /proc here)"
    print(f"process id             {pid}")
    print(f"threads (OS count)     {shown}   from /proc/self/task")
    print(f"threads (Python)       {threading.active_count()}   threading.active_count()")
    print(f"current thread         {threading.current_thread().name!r}, "
          f"OS thread id {threading.get_native_id()}")
    print()
    return pid, count()


def start_named_threads(n, before, lives):
    print(f"starting {n} named thread(s) with threading.Thread(name=...) ...")
    # Both barriers as on the Rust side: all alive before anyone counts, nobody leaves
    # before everyone has counted.
    alive = threading.Barrier(n + 1)
    counted = threading.Barrier(n + 1)
    seen, lives_of = {}, {}

    def worker(k):
        born = time.perf_counter()  # for the trace
        alive.wait()
        if k <= SHOWN_WORKERS:
            seen[k] = count()
            me = threading.current_thread()
            kernel = kernel_thread_name()
            kernel = f", the kernel calls it {kernel!r}" if kernel else ""
            print(f"  [{me.name}] OS thread id {threading.get_native_id()}, "
                  f"sees {seen[k]} threads (Python sees {threading.active_count()}){kernel}")
        counted.wait()
        lives_of[k] = (born, time.perf_counter())

    # daemon: should a start fail, the workers already waiting at `alive` must not keep the
    # process alive.
    threads = [threading.Thread(target=worker, args=(k,), name=f"worker-{k}", daemon=True)
               for k in range(1, n + 1)]
    threading.stack_size(STACK_BYTES)
    for k, t in enumerate(threads, 1):
        try:
            t.start()
        except RuntimeError as e:  # "can't start new thread"
            sys.exit(f"error: cannot start thread worker-{k} ({k - 1} started); lower --threads "
                     f"or raise {limits_to_raise()}: {e}")
        lives.started(k)
    alive.wait()
    during = count()
    counted.wait()
    lives.count("while they live", during)
    for k, t in enumerate(threads, 1):
        t.join()
        lives.joined(k, *lives_of[k])
    if n > SHOWN_WORKERS:
        print(f"  ... and {n - SHOWN_WORKERS} more worker(s), quiet")
    agree = all(c == during for c in seen.values())
    print(f"main counts {during} threads while they live ({before} before + {n} started); "
          f"every worker that counted saw the same: {str(agree).lower()}")
    return during


def count_after_join(before, lives):
    # join() returns when the thread's Python work is done; the OS thread may linger a
    # moment longer, so re-read for up to a second until the count settles.
    joined = time.perf_counter()
    after = count()
    rereads = 0
    while after != before and time.perf_counter() - joined < 1.0:
        lives.level(after)
        time.sleep(0.0002)
        after = count()
        rereads += 1
    lives.count("after join", after)
    note = ""
    if rereads and after == before:
        ms = (time.perf_counter() - joined) * 1e3
        note = f" (the kernel took {ms:.1f} ms after join to drop the exited threads)"
    print(f"after join: {after} thread(s){note}")
    return after


SENTENCE = "Teh quick brown fox will recieve the letter today."
DICTIONARY = {"the", "quick", "brown", "fox", "will", "receive", "letter", "today"}
EDITOR_THREADS = ("keystrokes", "display", "autosave", "spelling")


class Document:
    """The one document all four threads share: its text, how many changes it has had,
    whether typing is over, and a threading.Condition that says "it changed"."""

    def __init__(self):
        self.text, self.changes, self.closed = "", 0, False
        self.changed = threading.Condition()


def finished_words(text):
    end = max(text.rfind(" "), text.rfind("."))
    return [w for w in text[:max(end, 0)].replace(".", " ").split(" ") if w]


def word_processor(key_s, every_s, trace):
    """Part two: one process, four named threading.Thread objects, one Document."""
    doc, reports = Document(), {}
    started = threading.Barrier(len(EDITOR_THREADS) + 1)
    group = trace.group("word processor: one process, 4 threads, one document")
    tracks = {n: trace.track(group, f"{n} thread") for n in EDITOR_THREADS}
    save = tempfile.TemporaryFile("w+")  # unlinked already: nothing is left behind

    def wait_for_a_change(seen, track):
        t0 = time.perf_counter()
        doc.changed.wait_for(lambda: doc.changes != seen or doc.closed)
        trace.slice(track, "waiting", "waiting for a change", t0, time.perf_counter())

    def keystrokes(track):
        for ch in SENTENCE:
            t0 = time.perf_counter()
            time.sleep(key_s)  # waiting for the next key
            trace.slice(track, "waiting", "waiting for a key", t0, time.perf_counter())
            with doc.changed:
                doc.text += ch
                doc.changes += 1
                doc.changed.notify_all()  # wakes display and spelling
        with doc.changed:
            doc.closed = True
            doc.changed.notify_all()
        return f"typed {len(SENTENCE)} keys", len(SENTENCE)

    def display(track):
        seen = redraws = 0
        while True:
            with doc.changed:
                wait_for_a_change(seen, track)
                if doc.changes == seen:
                    break
                seen, page = doc.changes, f"|{doc.text}_|"
            redraws += 1  # the drawing of `page`
        return f"redrew the page {redraws} times", redraws

    def autosave(track):
        saved = saves = written = 0
        while True:
            with doc.changed:
                t0 = time.perf_counter()
                doc.changed.wait_for(lambda: doc.closed, timeout=every_s)
                trace.slice(track, "waiting", "waiting for the autosave timer", t0, time.perf_counter())
                text, changes, closed = doc.text, doc.changes, doc.closed
            if changes != saved:  # the file is written without holding the document
                save.seek(0)
                save.truncate()
                save.write(text)
                save.flush()
                saved, saves, written = changes, saves + 1, written + len(text)
            if closed:
                break
        return f"saved {saves} times, {written} bytes in all", saves

    def spelling(track):
        seen = checked = 0
        wrong = []
        while True:
            with doc.changed:
                wait_for_a_change(seen, track)
                if doc.changes == seen:
                    break
                seen, words = doc.changes, [w.lower() for w in finished_words(doc.text)]
            wrong += [w for w in words[checked:] if w not in DICTIONARY]
            checked = len(words)
        return f"checked {checked} words, {len(wrong)} misspelt: {' '.join(wrong)}", len(wrong)

    def run(name, work):
        born, cpu = time.perf_counter(), time.thread_time()
        started.wait()
        did, count = work(tracks[name])
        reports[name] = (threading.get_native_id(), did, count, time.thread_time() - cpu,
                         time.perf_counter() - born, id(doc))

    works = dict(zip(EDITOR_THREADS, (keystrokes, display, autosave, spelling)))
    threads = [threading.Thread(target=run, args=(n, w), name=n, daemon=True) for n, w in works.items()]
    for t in threads:
        t.start()
    started.wait()
    during = count()
    for t in threads:
        t.join()
    save.seek(0)
    saved_text = save.read()
    save.close()
    return during, [(n, *reports[n]) for n in EDITOR_THREADS], doc.text, saved_text


def print_word_processor(key_ms, every_ms, before, run):
    during, reports, text, saved = run
    print(f"\nPart two: the notes' word processor. One process, {len(EDITOR_THREADS)} threading.Thread")
    print("objects, one document in its memory (a threading.Condition around it that also tells")
    print(f'the others "it changed"): keystrokes types a {len(SENTENCE)}-key sentence, pausing {key_ms} ms')
    print("before each key (the typist); display redraws the page after each change; autosave")
    print(f"writes the document to a file every {every_ms} ms; spelling checks each finished word.\n")
    print(f"OS thread count while the editor runs (editor_threads): {during} ({before} before + 4)")
    print(f"{'thread':<11} {'OS id':>8}  {'did':<44} {'cpu_ms':>7} {'alive_ms':>9} {'waiting_pct':>11}")
    waiting = []
    for name, tid, did, _, cpu, alive, _ in reports:
        waiting.append(100 * (1 - cpu / max(alive, 1e-9)))
        print(f"{name:<11} {tid:>8}  {did:<44} {cpu * 1e3:>7.2f} {alive * 1e3:>9.1f} {waiting[-1]:>11.1f}")
    least = min(waiting)
    print("cpu_ms: CPU time the thread used (time.thread_time()); alive_ms: from its start to its")
    print("end; waiting_pct: the share of its life it did not run: waiting for a key, for a")
    print("change, for the autosave timer, for the Condition's lock, or for the GIL. least_waiting_pct:")
    print(f"the thread that waited least still waited {least:.1f}% of its life; that idle time is what")
    print("lets one process keep four threads at hand.")
    same = len({r[6] for r in reports}) == 1
    print(f"every thread found the document at id() {reports[0][6]:#x}: {str(same).lower()} (one copy in the")
    print("process's memory, not four).")
    print(f"the document: {text!r}, {len(text)} bytes; the last autosave holds the same "
          f"(autosave_equal): {str(saved == text).lower()}")
    print(f"ideal_s = {key_ms * len(SENTENCE) / 1000:.3f} s: the run's only deliberate waits, the typist's "
          f"{len(SENTENCE)} pauses of {key_ms} ms (part one waits for nothing; the autosave timer runs beside the typing).")
    counts = [r[3] for r in reports]
    return (f"editor_threads={during} typed={counts[0]} redrew={counts[1]} saved={counts[2]} "
            f"misspelt={counts[3]} least_waiting_pct={least:.1f} autosave_equal={str(saved == text).lower()}")


def positive(text):
    value = int(text)
    if not 1 <= value <= 10_000:
        raise argparse.ArgumentTypeError("must be in 1..=10000")
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=positive, default=1,
                        help="how many named threads to start at once")
    parser.add_argument("--key-ms", type=positive, default=10,
                        help="part two: the typist pauses this many ms before each key")
    parser.add_argument("--autosave-ms", type=positive, default=100,
                        help="part two: the word processor autosaves every this many ms")
    parser.add_argument("--trace", metavar="FILE",
                        help="write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer)")
    args = parser.parse_args()

    check_room_for_threads(args.threads, "--threads")
    lives = Lives(args.trace is not None, args.threads)
    pid, before = describe_this_process()
    lives.count("before", before)
    during = start_named_threads(args.threads, before, lives)
    after = count_after_join(before, lives)
    editor = word_processor(args.key_ms / 1000, args.autosave_ms / 1000, lives.trace)
    editor_keys = print_word_processor(args.key_ms, args.autosave_ms, after, editor)
    if args.trace:
        lives.write(args.trace, pid)
    print(f"summary: pid={pid} threads_before={before} threads_during={during} "
          f"threads_after={after} started={args.threads} {editor_keys} "
          f"ideal_s={args.key_ms * len(SENTENCE) / 1000:.3f}")


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
