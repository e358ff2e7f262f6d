"""The Python side of __NAME__: TODO, the same idea with the standard library."""

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser(description="TODO: the idea in one line")
    parser.add_argument("--delay-ms", type=int, default=100, help="how long to sleep, in ms (1 to 60000)")
    args = parser.parse_args()
    print(f"sleeping {args.delay_ms} ms")
    start = time.perf_counter()
    time.sleep(args.delay_ms / 1000)
    slept = time.perf_counter() - start
    delay = args.delay_ms / 1000
    print(f"slept {slept * 1e3:.1f} ms")
    print(f"summary: delay_ms={args.delay_ms} slept_s={slept:.3f} ratio={slept / delay:.3f} ideal_s={delay:.3f}")


# ---- the command-line frame: the same in every twin (make test compares it with
# ---- scripts/template/python/); change it there, then copy it.
def run_as_a_command(main):
    """Runs main() and ends the way a shell expects a command to end. Ctrl-C: status 130,
    no traceback. A closed pipe (`twin | head`): the reader is done, status 0. Output that
    cannot be written (a full disk): one `error:` line, status 1. A thread that meets the
    closed pipe or the full disk ends the whole process the same way."""
    import errno
    import os
    import sys
    import threading

    def status_for(error):
        if isinstance(error, KeyboardInterrupt):
            return 130
        if isinstance(error, BrokenPipeError):
            return 0
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            print(f"error: cannot write the output ({error.strerror}); free some space or "
                  "write elsewhere", file=sys.stderr, flush=True)
            return 1
        return None

    def end(status):
        # What is still buffered for stdout must not fail again at exit: drop it.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError:
            pass
        return status

    default_hook = threading.excepthook

    def thread_hook(args):
        status = status_for(args.exc_value)
        if status is None:
            default_hook(args)
        else:
            os._exit(end(status))

    threading.excepthook = thread_hook
    try:
        status = main()
        sys.stdout.flush()  # inside the try: a closed pipe or a full disk may show only here
    except (KeyboardInterrupt, OSError) as error:
        status = status_for(error)
        if status is None:
            raise
        sys.exit(end(status))
    sys.exit(status)
# ---- end of the frame


if __name__ == "__main__":
    run_as_a_command(main)
