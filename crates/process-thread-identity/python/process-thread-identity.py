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
import sys
import threading
import time

SHOWN_WORKERS = 8


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


def start_named_threads(n, before):
    print(f"starting {n} named thread(s) with threading.Thread(name=...) ...")
    # Both barriers as on the Rust side: all alive before anyone counts, nobody leaves
    # before everyone has counted.
    alive = threading.Barrier(n + 1)
    counted = threading.Barrier(n + 1)
    seen = {}

    def worker(k):
        alive.wait()
        if k <= SHOWN_WORKERS:
            seen[k] = count()
            me = threading.current_thread()
            kernel = kernel_thread_name()
            kernel = f", the kernel calls it {kernel!r}" if kernel else ""
            print(f"  [{me.name}] OS thread id {threading.get_native_id()}, "
                  f"sees {seen[k]} threads (Python sees {threading.active_count()}){kernel}")
        counted.wait()

    threads = [threading.Thread(target=worker, args=(k,), name=f"worker-{k}")
               for k in range(1, n + 1)]
    for t in threads:
        t.start()
    alive.wait()
    during = count()
    counted.wait()
    for t in threads:
        t.join()
    if n > SHOWN_WORKERS:
        print(f"  ... and {n - SHOWN_WORKERS} more worker(s), quiet")
    agree = all(c == during for c in seen.values())
    print(f"main counts {during} threads while they live ({before} before + {n} started); "
          f"every worker that counted saw the same: {str(agree).lower()}")
    return during


def count_after_join(before):
    # join() returns when the thread's Python work is done; the OS thread may linger a
    # moment longer, so re-read for up to a second until the count settles.
    joined = time.perf_counter()
    after = count()
    rereads = 0
    while after != before and time.perf_counter() - joined < 1.0:
        time.sleep(0.0002)
        after = count()
        rereads += 1
    note = ""
    if rereads and after == before:
        ms = (time.perf_counter() - joined) * 1e3
        note = f" (the kernel took {ms:.1f} ms after join to drop the exited threads)"
    print(f"after join: {after} thread(s){note}")
    return after


def positive(text):
    value = int(text)
    if not 1 <= value <= 10_000:
        raise argparse.ArgumentTypeError("must be in 1..=10000")
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=positive, default=1,
                        help="how many named threads to start at once")
    args = parser.parse_args()

    pid, before = describe_this_process()
    during = start_named_threads(args.threads, before)
    after = count_after_join(before)
    print(f"summary: pid={pid} threads_before={before} threads_during={during} "
          f"threads_after={after} started={args.threads} ideal_s=0.000")


if __name__ == "__main__":
    # `twin | head` closes the pipe: the reader is done, the program is not wrong. Whichever
    # thread's print meets it, end quietly, status 0, with stdout pointed at /dev/null so
    # the exit flush cannot fail.
    def end_quietly():
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        os._exit(0)

    default_hook = threading.excepthook
    threading.excepthook = lambda a: end_quietly() if a.exc_type is BrokenPipeError else default_hook(a)
    try:
        main()
        sys.stdout.flush()  # inside the try: a closed pipe may show only here
    except BrokenPipeError:
        end_quietly()
    except KeyboardInterrupt:  # Ctrl-C: stop quietly, with the status a shell gives it
        sys.exit(130)
