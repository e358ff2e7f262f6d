#!/usr/bin/env python3
"""Generator coroutines, the Python side: the notes' consumer driven by send(), and the
two-way generator, in three forms.

- generator: the notes' own way, a `def` with `yield`, driven by send() and close().
- state-machine: the same consumer as a class with send() and close(), written by hand:
  what the Rust program's style (a) does, and what a generator does under the hood.
- async: the same consumer as an `async def`, driven by hand with coroutine.send(). This
  is the nearest thing to the Rust program's style (b), the async block polled by hand.
  In Python no slot is needed: send(x) travels down the await chain to the innermost
  `yield`, because async/await is built on generators. Rust's Future::poll carries no
  value in or out, which is why the Rust side passes values through a shared slot.

    python3 crates/generator-coroutine/python/generator-coroutine.py
    python3 crates/generator-coroutine/python/generator-coroutine.py --n 3 --style async

The last line is the `summary:` line, with the Rust program's keys where they apply.
"""

import argparse
import sys
import time

# --------------------------------------------------------------------------------------
# Where both sides of a dialogue speak.


NOTE = "  # "  # the prefix of the demo's own narration, which the notes never print


class Dialogue:
    """say(): a line the notes' program prints too, kept for the check. note(): this
    demo's narration, printed on its own `  # ` line and left out of the check."""

    def __init__(self, silent=False):
        self.lines = []
        self.notes = []
        self.silent = silent

    def say(self, line):
        if not self.silent:
            print(line)
            self.lines.append(line)

    def note(self, line):
        if not self.silent:
            print(NOTE + line)
            self.notes.append(line)


def show(value):
    return "None" if value is None else str(value)


# --------------------------------------------------------------------------------------
# The consumer, three ways. Each reports the end of its loop, however it ends.


def consumer_generator(dialogue):
    reply = ""
    consumed = 0
    try:
        while True:
            n = yield reply
            if not n:
                return consumed
            dialogue.say(f"[CONSUMER] Consuming {n}")
            reply = f"200 OK from iter {n}"
            consumed += 1
    finally:  # runs on return and on close() (GeneratorExit raised at the yield)
        dialogue.note(f"[CONSUMER] loop ended after {consumed} messages")


class ConsumerStateMachine:
    """The generator above, written by hand: one state per place it can be paused."""

    NOT_STARTED, AT_YIELD, FINISHED = "not started", "at yield", "finished"

    def __init__(self, dialogue):
        self.dialogue = dialogue
        self.state = self.NOT_STARTED
        self.consumed = 0

    def send(self, n):
        if self.state == self.NOT_STARTED:
            self.state = self.AT_YIELD
            return ""
        if self.state == self.FINISHED:
            raise StopIteration
        if not n:
            self.state = self.FINISHED
            self.dialogue.note(f"[CONSUMER] loop ended after {self.consumed} messages")
            raise StopIteration(self.consumed)
        self.dialogue.say(f"[CONSUMER] Consuming {n}")
        self.consumed += 1
        return f"200 OK from iter {n}"

    def close(self):
        if self.state == self.AT_YIELD:
            self.dialogue.note(f"[CONSUMER] loop ended after {self.consumed} messages")
        self.state = self.FINISHED


class YieldPoint:
    """An awaitable that pauses the whole coroutine, handing `value` out to whoever called
    send(), and resumes with what the next send() brings in."""

    def __init__(self, value):
        self.value = value

    def __await__(self):
        sent = yield self.value
        return sent


async def consumer_async(dialogue):
    reply = ""
    consumed = 0
    try:
        while True:
            n = await YieldPoint(reply)
            if not n:
                return consumed
            dialogue.say(f"[CONSUMER] Consuming {n}")
            reply = f"200 OK from iter {n}"
            consumed += 1
    finally:
        dialogue.note(f"[CONSUMER] loop ended after {consumed} messages")


# --------------------------------------------------------------------------------------
# The two-way generator, three ways.


def two_way_generator(dialogue):
    dialogue.say("Generator started")
    x = yield "Ready"
    dialogue.say(f"Received: {show(x)}")
    y = yield f"Got {show(x)}"
    dialogue.say(f"Received: {show(y)}")
    yield f"Final: {show(y)}"


class TwoWayStateMachine:
    def __init__(self, dialogue):
        self.dialogue = dialogue
        self.state = "not started"

    def send(self, value):
        d = self.dialogue
        if self.state == "not started":
            d.say("Generator started")
            self.state = "at ready"
            return "Ready"
        if self.state == "at ready":
            d.say(f"Received: {show(value)}")
            self.state = "at got"
            return f"Got {show(value)}"
        if self.state == "at got":
            d.say(f"Received: {show(value)}")
            self.state = "at final"
            return f"Final: {show(value)}"
        self.state = "finished"
        raise StopIteration

    def close(self):
        self.state = "finished"


async def two_way_async(dialogue):
    dialogue.say("Generator started")
    x = await YieldPoint("Ready")
    dialogue.say(f"Received: {show(x)}")
    y = await YieldPoint(f"Got {show(x)}")
    dialogue.say(f"Received: {show(y)}")
    await YieldPoint(f"Final: {show(y)}")


STYLES = {
    "generator": ("(0) the notes' generator", consumer_generator, two_way_generator),
    "state-machine": ("(a) hand-written state machine", ConsumerStateMachine, TwoWayStateMachine),
    "async": ("(b) async def driven by hand", consumer_async, two_way_async),
}

# --------------------------------------------------------------------------------------
# The producer and the checks, the same for every style.


def produce(consumer, n, d):
    d.note("send(None): the consumer runs to its first yield")
    started = consumer.send(None) == ""
    exchanges = 0
    for i in range(1, n + 1):
        d.say(f"[PRODUCER] Producing {i}")
        try:
            reply = consumer.send(i)
        except StopIteration:
            d.note("the consumer stopped early")
            break
        d.say(f"[PRODUCER] Consumer return: {reply}")
        exchanges += 1
    d.note("close(): the producer is done")
    consumer.close()
    loop_ended = d.notes[-1:] == [f"[CONSUMER] loop ended after {exchanges} messages"]
    try:
        consumer.send(n + 1)
        nothing_left = False
    except StopIteration:
        nothing_left = True
    except RuntimeError:  # a closed coroutine says so with RuntimeError, not StopIteration
        nothing_left = True
    return exchanges, started and loop_ended and nothing_left


def notes_producer_consumer(n):
    """What the notes' producer and consumer print (15 lines for the notes' 5 messages)."""
    return [line for i in range(1, n + 1) for line in (
        f"[PRODUCER] Producing {i}", f"[CONSUMER] Consuming {i}", f"[PRODUCER] Consumer return: 200 OK from iter {i}")]


def drive_two_way(generator, d):
    """print(gen.send(None)), print(gen.send(10)), print(gen.send(20)), as the notes do, and
    one send more, which runs the generator off its end."""
    d.note(f"gen = interactive_generator(), the line the notes leave out: as written, their snippet "
           f"stops at once with {NOTES_SLIP}")
    for value in (None, 10, 20):
        try:
            d.say(generator.send(value))
        except StopIteration:
            d.note(f"send({show(value)}): finished too early")
    try:
        generator.send(30)
        d.note("send(30): it did not end where it should")
    except StopIteration:
        d.note("send(30): it ran off its end (StopIteration)")


def notes_slip():
    """Runs the shape of the notes' two-way snippet as written, a generator defined and then
    `gen.send(None)` with no `gen = ...` line, and returns the error it stops with."""
    as_written = "def interactive_generator():\n    yield 'Ready'\nprint(gen.send(None))\n"
    try:
        exec(as_written, {})
    except NameError as error:
        return f"NameError: {error}"
    return "no error"


NOTES_SLIP = notes_slip()  # measured: "NameError: name 'gen' is not defined"

# What the notes' two-way snippet prints once `gen = interactive_generator()` is added (as
# written it never creates `gen`, and stops at once with a NameError).
NOTES_TWO_WAY = ["Generator started", "Ready", "Received: 10", "Got 10", "Received: 20", "Final: 20"]


def time_exchanges(make_consumer, count, rounds=5):
    """ns per exchange: count exchanges in five rounds, the fastest round kept."""
    if count == 0:
        return 0.0
    per_round = -(-count // rounds)
    best = float("inf")
    for _ in range(rounds):
        consumer = make_consumer(Dialogue(silent=True))
        consumer.send(None)
        send = consumer.send
        start = time.perf_counter()
        for i in range(1, per_round + 1):
            send(i)
        best = min(best, (time.perf_counter() - start) * 1e9 / per_round)
        consumer.close()
    return best


class Traced:
    """--trace: a generator wrapped so that each send() is a slice on its track (`send(3) ->
    yields '200 OK from iter 3'`) and the time between two sends a slice on the caller's
    (`producer runs`), with the same names as the Rust side. The two take turns."""

    def __init__(self, inner, trace, row, caller, callee):
        self.inner, self.trace, self.caller_name = inner, trace, caller
        group = trace.group(row)
        self.caller, self.callee = trace.track(group, caller), trace.track(group, callee)
        self.since = time.perf_counter()

    def _around(self, what, call):
        called = time.perf_counter()
        self.trace.slice(self.caller, "caller runs", f"{self.caller_name} runs", self.since, called)
        try:
            out = call()
            outcome = f"yields {out!r}".replace("'", '"')
            return out
        except StopIteration as stop:
            outcome = f"returns {stop.value!r} (StopIteration)"
            raise
        except RuntimeError:
            outcome = "already finished (StopIteration)"
            raise
        finally:
            back = time.perf_counter()
            if what == "close()":
                outcome = "closed"
            self.trace.slice(self.callee, "generator runs", f"{what} -> {outcome}", called, back)
            self.since = back

    def send(self, value):
        return self._around(f"send({show(value)})", lambda: self.inner.send(value))

    def close(self):
        return self._around("close()", self.inner.close)


def run_style(key, args, trace):
    title, make_consumer, make_two_way = STYLES[key]
    print(f"== {title}: producer and consumer ==")
    d = Dialogue()
    consumer = make_consumer(d)
    if trace.on:
        consumer = Traced(consumer, trace, f"{title}: producer and consumer", "producer", "consumer")
    exchanges, closed = produce(consumer, args.n, d)
    dialogue_equal = d.lines == notes_producer_consumer(args.n)
    print(f"== {title}: two-way generator ==")
    d2 = Dialogue()
    generator = make_two_way(d2)
    if trace.on:
        generator = Traced(generator, trace, f"{title}: two-way generator", "caller", "generator")
    drive_two_way(generator, d2)
    print()
    return {
        "title": title,
        "exchanges": exchanges,
        "closed": closed and exchanges == args.n,
        "dialogue_equal": dialogue_equal,
        "two_way_equal": d2.lines == NOTES_TWO_WAY,
        "ns": time_exchanges(make_consumer, args.time_exchanges),
    }


def in_range(low, high):
    def parse(text):
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not in {low}..={high}")
        return value
    return parse


def print_table(runs, n, timed):
    """What each style did, checked against the notes' two programs, and what one exchange
    costs: one row a style, each column named as its summary key is."""
    print("(the `  # ` lines are this demo's narration; the notes' programs do not print them)")
    print(f"  {'style':<31} {'exchanges':>10} {'dialogues_equal':>16} {'closed_cleanly':>15} "
          f"{'two_way_equal':>14} {'ns_per_exchange':>16}")
    for r in runs.values():
        ns = f"{r['ns']:.1f} ns" if timed else "not timed"
        print(f"  {r['title']:<31} {r['exchanges']:>10} {str(r['dialogue_equal']).lower():>16} "
              f"{str(r['closed']).lower():>15} {str(r['two_way_equal']).lower():>14} {ns:>16}")
    print(f"exchanges: of the producer's n = {n} messages, those the consumer answered (the summary's: the "
          "fewest of any style). dialogues_equal: its producer/consumer lines are exactly the notes'. "
          "closed_cleanly: after close() the consumer said its loop ended, and a send() more raises "
          "StopIteration. two_way_equal: its two-way lines are exactly the notes' six")
    print(f"ns_per_exchange: one send() in and its reply out, the fastest of 5 rounds of {-(-timed // 5)} "
          "(summary: ns_per_exchange_generator, ns_per_exchange_state_machine, ns_per_exchange_async)")
    print("ideal_s = 0.000: nothing here waits on purpose; the generators are resumed by hand, on this thread")


def main():
    p = argparse.ArgumentParser(description="Generators and send(): the notes' way, by hand, and as async def.")
    p.add_argument("--n", type=in_range(1, 1_000_000), default=5, help="how many messages the producer sends")
    p.add_argument("--style", choices=["state-machine", "async", "both"], default="both",
                   help="which of the Rust program's styles to mirror; the notes' own generator, (0), always "
                        "runs as well (Rust has no stable generators, so it has no counterpart there)")
    p.add_argument("--time-exchanges", type=in_range(0, 100_000_000), default=100_000,
                   help="exchanges to time silently per style, in 5 rounds (0: skip)")
    p.add_argument("--trace", metavar="FILE",
                   help="write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer)")
    args = p.parse_args()
    trace = Trace(on=args.trace is not None)

    keys = ["generator"] + (["state-machine", "async"] if args.style == "both" else [args.style])
    runs = {key: run_style(key, args, trace) for key in keys}
    print_table(runs, args.n, args.time_exchanges)

    if trace.on:
        try:
            trace.write(args.trace)
        except OSError as error:
            print(f"error: cannot write the trace to {args.trace} ({error.strerror}); check that its folder exists",
                  file=sys.stderr)
            return 1
        print(f"trace written to {args.trace} (open it in ui.perfetto.dev or vizviewer)")

    def get(key, field, default):
        return runs[key][field] if key in runs else default

    def flag(field):
        return str(all(r[field] for r in runs.values())).lower()

    print(
        f"summary: n={args.n} exchanges={min(r['exchanges'] for r in runs.values())} "
        f"dialogues_equal={flag('dialogue_equal')} "
        f"closed_cleanly={flag('closed')} two_way_equal={flag('two_way_equal')} "
        f"ns_per_exchange_generator={get('generator', 'ns', 0.0):.1f} "
        f"ns_per_exchange_state_machine={get('state-machine', 'ns', 0.0):.1f} "
        f"ns_per_exchange_async={get('async', 'ns', 0.0):.1f} ideal_s=0.000"
    )


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
