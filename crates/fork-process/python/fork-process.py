#!/usr/bin/env python3
"""Python twin of the Rust crate fork-process: os.fork, os.pipe, os.waitpid.

Part one forks one child: both print their pids, the child's os.getppid() is the
parent's pid, and the child's change to a variable stays in the child; a thread's change
reaches main, as threads share the memory. Part two times what a thread and a process
cost to start and finish, and what handing them the same data costs: a thread gets a
reference (shared memory), a multiprocessing child gets the bytes pickled and sent
through a pipe. Part four splits a CPU-bound sum (of i*i for i below --size)
over --children forked processes, each sending its part back through a pipe; the parent
adds the parts, checks them against a sequential run, and reaps every child with
os.waitpid. Unlike threads, the processes each have their own interpreter and their own
GIL, so they do run in parallel. Each child dies with its parent (Linux: prctl
PR_SET_PDEATHSIG through ctypes; elsewhere a thread that watches os.getppid()).

multiprocessing.Pool(n).map(...) does the same with less code: it forks (or spawns)
workers and pickles results back through pipes. Here the steps are written out.

    python3 fork-process.py --children 2 --size 20000000
    python3 fork-process.py --children 3 --fail-child 2      # exits 1, one error line
"""

import argparse
import ctypes
import ctypes.util
import multiprocessing
import os
import pickle
import queue
import resource
import signal
import struct
import sys
import threading
import time

SIMULATED_FAILURE = 3
SEND_FAILED = 2
CHILD_CRASHED = 101
ORPHANED = 4
OUTPUT_FAILED = 5  # the child's output could not be written: the parent says why
ROUNDS = 200
PR_SET_PDEATHSIG = 1


def die_with_parent(parent):
    """Called in a child right after fork: end this child when its parent ends."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    else:
        def watch():
            while os.getppid() == parent:
                time.sleep(0.05)
            os._exit(ORPHANED)
        threading.Thread(target=watch, daemon=True).start()
    # The parent may have died before prctl: then no signal will come.
    if os.getppid() != parent:
        os._exit(ORPHANED)


def tasks_of(uid):
    """The processes and threads that user `uid` runs now, as RLIMIT_NPROC counts them
    (Linux: each process's Threads: in /proc, for those whose real user id is uid)."""
    total = 0
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        try:
            with open(f"/proc/{entry}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except (OSError, ValueError):
            continue
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            total += int(fields.get("Threads", "1"))
    return total


def check_room_for(children):
    """Before the first fork, as the Rust side does: the children must fit under the limit
    on processes (RLIMIT_NPROC, ulimit -u) with what this user already runs. The kernel
    does not hold root to the limit, so neither does the check."""
    limit, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    if limit == resource.RLIM_INFINITY or os.getuid() == 0:
        return
    running = tasks_of(os.getuid())
    room = max(limit - running, 0)
    if children > room:
        raise RuntimeError(f"--children {children} needs {children} more processes, and this "
                           f"user may start only {room} more: the limit on processes "
                           f"(RLIMIT_NPROC, ulimit -u) is {limit}, with {running} running already; "
                           f"use --children {max(room, 1)} at most, or raise ulimit -u")


def flush_stdout():
    # Anything left in the buffer would be copied into the child and printed twice.
    sys.stdout.flush()


def pipe():
    try:
        return os.pipe()
    except OSError as e:
        raise RuntimeError(f"cannot create a pipe ({e.strerror}); the process may be out of "
                           "file descriptors (see ulimit -n)") from None


def fork():
    """os.fork, with Ctrl-C kept out of the child's Python code. Ctrl-C reaches the whole
    process group: in a child it would raise KeyboardInterrupt in code copied from the
    parent (even in fork's own after-fork hooks). So SIGINT waits, blocked, across the
    fork; the child takes the default action (it just ends) before letting it through."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
        return pid
    except OSError as e:
        raise RuntimeError(f"cannot fork a child ({e.strerror}); the system may be out of "
                           "processes or memory (see ulimit -u)") from None
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def exit_child(work):
    """Run the child's work, then end the child with os._exit: it must never return into
    the parent's code, and _exit skips the parent's cleanup handlers. Output the child
    cannot write (a full disk, a closed pipe) ends it quietly with OUTPUT_FAILED: the
    parent writes to the same stdout, meets the same error and reports it, once."""
    try:
        code = work()
        flush_stdout()
    except OSError:
        code = OUTPUT_FAILED
    except BaseException:
        code = CHILD_CRASHED
    os._exit(code)


def describe(status):
    if os.WIFEXITED(status):
        return f"exited with status {os.WEXITSTATUS(status)}"
    if os.WIFSIGNALED(status):
        return f"was killed by signal {os.WTERMSIG(status)}"
    return f"changed state ({status})"


def write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


def read_exactly(fd, n):
    """n bytes, or fewer if the writer closed the pipe first."""
    chunks = b""
    while len(chunks) < n:
        more = os.read(fd, n - len(chunks))
        if not more:
            break
        chunks += more
    return chunks


def parent_and_child(trace):
    value = [100]  # a list, so id() names one object in both processes
    me = os.getpid()
    print(f"parent  pid {me}: value = {value[0]} in object {id(value):#x}; forking one child")
    read_end, write_end = pipe()
    flush_stdout()
    forked = time.perf_counter()
    pid = fork()
    if pid == 0:
        os.close(read_end)

        def child():
            value[0] = 999
            ppid = os.getppid()
            # Send first, then speak: if our stdout is gone, the parent still gets its answer.
            write_all(write_end, ppid.to_bytes(4, "little") + value[0].to_bytes(8, "little"))
            print(f"  child pid {os.getpid()}: parent pid (getppid) = {ppid}")
            print(f"  child pid {os.getpid()}: set value = {value[0]} in object {id(value):#x}")
            return 0

        exit_child(child)
    os.close(write_end)
    message = read_exactly(read_end, 12)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    reaped = time.perf_counter()
    if trace.on:
        track = trace.track(trace.group("a child gets a copy of the memory"), f"child pid {pid}")
        trace.slice(track, "child process, fork to reap",
                    f"child pid {pid}: sets its own copy of value, sends it, {describe(status)}",
                    forked, reaped)
        trace.instant(track, "forked", forked)
        trace.instant(track, "reaped (waitpid)", reaped)
    if len(message) != 12:
        raise RuntimeError(f"child {pid} sent nothing back")
    child_ppid = int.from_bytes(message[:4], "little")
    child_value = int.from_bytes(message[4:], "little")
    print(f"parent  pid {me}: child {pid} {describe(status)}")
    print(f"parent  pid {me}: value = {value[0]} in object {id(value):#x} "
          f"(the child's copy became {child_value})")
    ppid_matches = child_ppid == me
    separate = value[0] == 100 and child_value == 999
    print(f"child's parent pid matches: {str(ppid_matches).lower()}; "
          f"memory separate: {str(separate).lower()}\n")
    return ppid_matches, separate


def a_thread_shares_the_memory():
    value = [100]
    print(f"main    thread: value = {value[0]} in object {id(value):#x}; starting one thread")

    def change():
        value[0] = 999  # the one and only object: threads share the process's memory
        print(f"  thread: set value = {value[0]} in object {id(value):#x}")

    t = threading.Thread(target=change)
    t.start()
    t.join()
    print(f"main    thread: value = {value[0]} in object {id(value):#x} after join")
    seen = value[0] == 999
    print(f"the thread's write is main's value: {str(seen).lower()}\n")
    return seen


def median_us(times):
    times = sorted(times)
    return times[len(times) // 2] * 1e6


def what_a_thread_and_a_process_cost():
    thread_times, fork_times = [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        t = threading.Thread(target=lambda: None)
        t.start()
        t.join()
        thread_times.append(time.perf_counter() - started)
    # The children only exit, so they are timed with the bare os.fork, and Ctrl-C waits
    # (blocked) until this loop ends, a fraction of a second: see fork() above.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        for _ in range(ROUNDS):
            flush_stdout()
            started = time.perf_counter()
            try:
                pid = os.fork()
            except OSError as e:
                raise RuntimeError(f"cannot fork a child ({e.strerror}); the system may be "
                                   "out of processes or memory (see ulimit -u)") from None
            if pid == 0:
                os._exit(0)
            os.waitpid(pid, 0)
            fork_times.append(time.perf_counter() - started)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    thread_us, fork_us = median_us(thread_times), median_us(fork_times)
    print(f"to start and finish, median of {ROUNDS} each:")
    print(f"  a thread  (start, join)        {thread_us:>8.1f} us")
    print(f"  a process (fork, exit, reap)   {fork_us:>8.1f} us")
    print(f"  a process costs {fork_us / thread_us:.1f} threads\n")
    return thread_us, fork_us


HANDOFF_ROUNDS = 9


def handoff_worker(conn):
    """The child's side: each message is unpickled from the pipe, read once, answered."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while (data := conn.recv()) is not None:
        conn.send(sum(data[::4096]))


def median_ms(once):
    times, last = [], None
    for _ in range(HANDOFF_ROUNDS):
        started = time.perf_counter()
        last = once()
        times.append(time.perf_counter() - started)
    return sorted(times)[HANDOFF_ROUNDS // 2] * 1e3, last


def data_to_a_thread_and_to_a_process(largest_mib):
    """The same bytes handed to a waiting thread (queue.Queue: a reference, no copy) and to
    a waiting multiprocessing child (Connection.send: pickled, written to a pipe, read and
    unpickled there). Each receiver adds one byte of every 4 KiB page (a check that it
    has the data, the same small work for both) and answers with the sum."""
    sizes = sorted({1 << 10, 64 << 10, 1 << 20, largest_mib << 20})
    to_thread, from_thread = queue.Queue(), queue.Queue()

    def thread_worker():
        while (data := to_thread.get()) is not None:
            from_thread.put(sum(data[::4096]))  # the parent's own bytes object

    worker = threading.Thread(target=thread_worker, daemon=True)
    worker.start()
    parent_end, child_end = multiprocessing.Pipe()
    child = multiprocessing.Process(target=handoff_worker, args=(child_end,), daemon=True)
    child.start()
    rows = []
    try:
        for size in sizes:
            data = bytes(i & 0xFF for i in range(256)) * (size // 256)

            def by_thread():
                to_thread.put(data)
                return from_thread.get()

            def by_process():
                parent_end.send(data)
                return parent_end.recv()

            thread_ms, t_sum = median_ms(by_thread)
            pipe_ms, p_sum = median_ms(by_process)
            pickle_ms, _ = median_ms(lambda: len(pickle.dumps(data)))
            rows.append((size, thread_ms, pipe_ms, pickle_ms, t_sum == p_sum == sum(data[::4096])))
    finally:
        to_thread.put(None)
        parent_end.send(None)
        child.join()
    print(f"handing data over and getting its byte sum back, median of {HANDOFF_ROUNDS} each:")
    print(f"  {'data':>10}  {'thread ms':>12}  {'pipe ms':>12}  {'ratio':>7}  {'pickle.dumps':>16}")
    for size, thread_ms, pipe_ms, pickle_ms, _ in rows:
        name = f"{size >> 20} MiB" if size >= 1 << 20 else f"{size >> 10} KiB"
        print(f"  {name:>10}  {thread_ms:>12.3f}  {pipe_ms:>12.3f}  {pipe_ms / thread_ms:>6.1f}x  "
              f"{pickle_ms:>13.3f} ms")
    print("  thread: queue.Queue hands it a reference to the same bytes object (shared memory,\n"
          "  no copy); pipe: multiprocessing's Connection.send pickles the bytes, writes them to\n"
          "  a pipe, and the child reads and unpickles its own copy (pickle.dumps: the pickling\n"
          "  alone, timed apart, a copy of the bytes into a new object).\n"
          "  Both then add one byte of each 4 KiB page and send the sum back. ratio: pipe ms\n"
          "  over thread ms\n")
    return rows


def children_cpu_s():
    t = os.times()
    return t.children_user + t.children_system


def sum_of_squares(start, stop):
    return sum(i * i for i in range(start, stop))


def closed_form(n):
    return n * (n - 1) * (2 * n - 1) // 6 if n > 0 else 0


def split(size, parts):
    base, extra = divmod(size, parts)
    ranges, start = [], 0
    for k in range(parts):
        length = base + (1 if k < extra else 0)
        ranges.append((start, start + length))
        start += length
    return ranges


def sequential_sum(size, trace):
    started, cpu_before = time.perf_counter(), time.process_time()
    total = sum_of_squares(0, size)
    secs, cpu = time.perf_counter() - started, time.process_time() - cpu_before
    if trace.on:
        track = trace.track(trace.group("the same sum, sequential"), "parent alone")
        trace.slice(track, "sums its range", f"parent: sum of i*i for i in 0..{size}",
                    started, started + secs)
    print(f"sequential: sum of i*i for i < {size} = {total} in {secs:.3f} s ({cpu:.3f} s of CPU)")
    return total, secs, cpu


def forked_sum(children, size, fail, trace):
    print(f"forking {children} children to share the sum of i*i for i < {size} ...")
    parent = os.getpid()
    started, cpu_before = time.perf_counter(), children_cpu_s()
    running = []  # (number, pid, (start, stop), read_end)
    forked_at, summed, reaped_at = [], [], []
    fork_error = None
    for number, (start, stop) in enumerate(split(size, children), 1):
        read_end = write_end = None
        try:
            read_end, write_end = pipe()
            flush_stdout()
            forked = time.perf_counter()
            pid = fork()
        except RuntimeError as e:
            fork_error = str(e)
            for end in (read_end, write_end):
                if end is not None:
                    os.close(end)
            break
        if pid == 0:
            die_with_parent(parent)
            os.close(read_end)

            def child(number=number, start=start, stop=stop, write_end=write_end):
                if fail == number:
                    print(f"  child {number} (pid {os.getpid()}): failing on purpose")
                    return SIMULATED_FAILURE
                began = time.perf_counter()  # the system's monotonic clock: the parent's too
                part = sum_of_squares(start, stop)
                ended = time.perf_counter()
                try:  # its part, and when it summed it (for the parent's trace)
                    write_all(write_end, part.to_bytes(16, "little") + struct.pack("<dd", began, ended))
                except OSError:
                    return SEND_FAILED
                return 0

            exit_child(child)
        # Close our write end, so the pipe shows end-of-file once the child is gone.
        os.close(write_end)
        running.append((number, pid, (start, stop), read_end))
        forked_at.append(forked)

    # Read every pipe, then reap every child, whatever happened above.
    parts = []
    for _, _, _, read_end in running:
        data = read_exactly(read_end, 32)
        os.close(read_end)
        parts.append(int.from_bytes(data[:16], "little") if len(data) == 32 else None)
        summed.append(struct.unpack("<dd", data[16:]) if len(data) == 32 else None)
    statuses = []
    for _, pid, _, _ in running:
        statuses.append(os.waitpid(pid, 0)[1])
        reaped_at.append(time.perf_counter())
    secs = time.perf_counter() - started
    cpu = children_cpu_s() - cpu_before  # counted once the children are reaped

    record_the_sum(trace, running, statuses, forked_at, summed, reaped_at)
    print(f"forked: {len(running)} children; the parent reaped each with waitpid (took its exit status: until\n"
          "  then the kernel keeps a finished child as a zombie, to hand that status over):")
    print(f"  {'child':>5}  {'pid':>8}  {'range of i':<27}  {'part of the sum':<40}  exit status")
    failures = []
    for (number, pid, (start, stop), _), part, status in zip(running, parts, statuses):
        shown = str(part) if part is not None else "(nothing: pipe closed)"
        words = describe(status)
        print(f"  {number:>5}  {pid:>8}  {f'{start}..{stop}':<27}  {shown:<40}  {words}")
        if part is None or not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
            failures.append(f"child {number} (pid {pid}) {words}")
    if fork_error:
        raise RuntimeError(fork_error)
    if failures:
        raise RuntimeError(", ".join(failures) + "; its part of the sum is missing, "
                           "every child was reaped; rerun without --fail-child")
    total = sum(parts)
    print(f"forked:     sum of the parts = {total} in {secs:.3f} s ({cpu:.3f} s of CPU)")
    return total, secs, cpu


def record_the_sum(trace, running, statuses, forked_at, summed, reaped_at):
    """A lane per child, from the fork to the reap, as the parent saw it, with the sum it
    ran inside, as the child sent its times back (the first 100 children)."""
    if not trace.on:
        return
    group = trace.group(f"the sum, in {len(running)} forked children")
    for i, (number, pid, (start, stop), _) in enumerate(running[:100]):
        track = trace.track(group, f"child {number} (pid {pid})")
        trace.slice(track, "child process, fork to reap",
                    f"child {number} (pid {pid}): forked, summed, {describe(statuses[i])}",
                    forked_at[i], reaped_at[i])
        if summed[i]:
            trace.slice(track, "sums its range", f"child {number}: sum of i*i for i in {start}..{stop}",
                        *summed[i])
        trace.instant(track, "forked", forked_at[i])
        trace.instant(track, "reaped (waitpid)", reaped_at[i])
    if len(running) > 100:
        text = f"only the first 100 of {len(running)} children are recorded"
        print(f"trace: {text}")
        trace.note(text)


def children_left():
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        print("children left: none (waitpid(-1, WNOHANG), \"any child, and do not wait\", says ECHILD: this process has no child at all, running or waiting to be reaped)")
        return 0
    raise RuntimeError("a child was still unreaped at the end; this is a bug in the demo")


def in_range(low, high):
    def parse(text):
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be in {low}..={high}")
        return value
    return parse


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=in_range(1, 256), default=4,
                        help="how many child processes share the sum")
    parser.add_argument("--size", type=in_range(1, 10**12), default=5_000_000,
                        help="the sum runs over i*i for every i below SIZE "
                             "(Python needs about 90 ns per i; the Rust default is 500000000)")
    parser.add_argument("--fail-child", type=in_range(1, 256), metavar="K",
                        help="make child K (1-based) exit with status 3 instead of sending its part")
    parser.add_argument("--handoff-mib", type=in_range(1, 1024), default=16,
                        help="the largest buffer handed to a thread and to a child process, in MiB "
                             "(the others are 1 KiB, 64 KiB and 1 MiB)")
    parser.add_argument("--trace", metavar="FILE",
                        help="write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer)")
    args = parser.parse_args()
    if args.fail_child is not None and args.fail_child > args.children:
        parser.error("--fail-child must name one of the children (1..=--children)")
    if not hasattr(os, "fork"):
        print("error: os.fork is not available on this system; use multiprocessing instead",
              file=sys.stderr)
        return 1

    try:
        check_room_for(args.children)
        trace = Trace(on=bool(args.trace))
        ppid_matches, separate = parent_and_child(trace)
        thread_write_seen = a_thread_shares_the_memory()
        thread_us, fork_us = what_a_thread_and_a_process_cost()
        handoff = data_to_a_thread_and_to_a_process(args.handoff_mib)
        size, handoff_thread_ms, handoff_pipe_ms, _, _ = handoff[-1]
        handoff_equal = all(row[4] for row in handoff)
        parallel, parallel_s, children_cpu = forked_sum(args.children, args.size, args.fail_child, trace)
        sequential, sequential_s, sequential_cpu = sequential_sum(args.size, trace)
        formula = closed_form(args.size)
        print(f"check: sequential == forked: {str(sequential == parallel).lower()}; "
              f"both == n(n-1)(2n-1)/6 = {formula}: {str(sequential == formula).lower()}")
        # Against the sequential run's CPU time: a busy machine cannot inflate it.
        speedup = sequential_cpu / parallel_s
        busy = children_cpu / parallel_s
        print(f"speedup {speedup:.2f}x: the sum's {sequential_cpu:.3f} s of CPU work done in "
              f"{parallel_s:.3f} s of wall time by the children, who kept {busy:.2f} cores busy")
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        note = machine_note(cores, [("sequential", sequential_cpu / sequential_s, 1),
                                    ("forked", busy, min(args.children, cores))])
        if note:
            print(note)
        left = children_left()
        print("ideal_s = 0.000: the run waits for nothing on purpose; all of it is work")
        if args.trace:
            trace.note("the 200 thread starts and 200 forks that measure their cost are not drawn")
            trace.write(args.trace)
            print(f"trace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")
    except RuntimeError as e:  # output that cannot be written is the frame's to report
        print(f"error: {e}", file=sys.stderr)
        return 1

    results_equal = sequential == parallel == formula and handoff_equal
    print(f"summary: children={args.children} "
          f"child_ppid_matches={str(ppid_matches).lower()} "
          f"memory_separate={str(separate).lower()} "
          f"thread_write_seen={str(thread_write_seen).lower()} "
          f"thread_start_join_us={thread_us:.1f} fork_reap_us={fork_us:.1f} "
          f"sequential_cpu_s={sequential_cpu:.3f} parallel_s={parallel_s:.3f} cores_busy={busy:.2f} "
          f"speedup={speedup:.2f} results_equal={str(results_equal).lower()} "
          f"children_left={left} handoff_mib={size >> 20} "
          f"handoff_thread_ms={handoff_thread_ms:.3f} handoff_pipe_ms={handoff_pipe_ms:.3f} "
          f"ideal_s=0.000")


def machine_note(cores, shares):
    """One line when the speedup above reads low because the machine was busy (a run
    kept fewer than 90% of the cores it had work for busy) or had one core. `shares`:
    (run, cores it kept busy, cores it had work for). It explains; it changes no figure."""
    if cores == 1:
        return ("note: this run had 1 core (taskset, or a one-core machine): threads and "
                "processes can only take turns on it, so no speedup passes about 1")
    run, got, could = min(shares, key=lambda s: s[1] / s[2])
    if got / could >= 0.9:
        return None
    try:
        with open("/proc/loadavg") as f:
            load = f", load average {float(f.read().split()[0]):.1f} on {cores} cores"
    except OSError:
        load = ""
    could = "1 core" if could == 1 else f"{could} cores"
    return (f"note: the machine was busy{load}: \"{run}\" kept {got:.2f} of the {could} it had "
            "work for busy, so its wall time ran long and speedups read low (the figures are as measured)")


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
