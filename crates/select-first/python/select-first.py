#!/usr/bin/env python3
"""Select-first, the Python side: waiting for the first of several tasks with asyncio.

The same five parts as the Rust program, with the same summary keys, and the places where
asyncio differs, measured:
1. asyncio.wait(FIRST_COMPLETED) returns the first of three naps; the other two are still
   running (losers_running_after=2) until we cancel them, as the docs tell us to.
2. asyncio.as_completed yields results in completion order.
3. Dropping our list of tasks does not stop them: they run on and finish.
4. asyncio.gather raises the first error, but the other coroutines run on and finish.
   (A TaskGroup, Python 3.11+, would cancel them, as try_join! drops them.)
5. Cancel safety: a reader task that takes two messages in a row, cancelled when a tick
   wins, loses the one it had taken; a get() kept pending across rounds loses none.

    python3 crates/select-first/python/select-first.py
    python3 crates/select-first/python/select-first.py --delay-ms 50 --messages 300

The last line is the same `summary:` line the Rust program prints.
"""

import argparse
import asyncio
import os
import sys
import time


def say(text):
    """print, except that when `twin | head` has closed the pipe the program ends at once,
    quietly, status 0, as the Rust side's closed-pipe hook does: the tasks that asyncio.run
    cancels on the way out would otherwise each fail on their own cleanup line."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        os._exit(0)


class Tally:
    """How the naps of one part ended, each end printed as it happens."""

    def __init__(self):
        self.start = time.perf_counter()
        self.started = self.finished = self.dropped = 0

    def running(self):
        return self.started - self.finished - self.dropped

    def end(self, ms, finished):
        at = time.perf_counter() - self.start
        if finished:
            self.finished += 1
            say(f"    +{at:.3f} s  {ms:>5} ms nap finished")
        else:
            self.dropped += 1
            say(f"    +{at:.3f} s  {ms:>5} ms nap cancelled before its end: cleanup ran")


async def nap(tally, ms):
    tally.started += 1
    finished = False
    try:
        await asyncio.sleep(ms / 1000)  # cancel() raises CancelledError here
        finished = True
        return ms
    finally:
        tally.end(ms, finished)  # runs however the coroutine ends, as Rust's Drop


async def settle(start, unit):
    """Waits until 3.5 units after `start`: past the slowest nap's end."""
    await asyncio.sleep(max(0.0, start + 3.5 * unit - time.perf_counter()))


async def first_of_three(unit_ms):
    tally, start = Tally(), time.perf_counter()
    tasks = [asyncio.create_task(nap(tally, k * unit_ms)) for k in (1, 2, 3)]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    elapsed = time.perf_counter() - start
    running_after = tally.running()  # the losers are still running here
    winner = min(task.result() for task in done)  # if the loop woke late, the shortest
    for task in pending:
        task.cancel()  # without this they would run to the end
    await settle(start, unit_ms / 1000)
    say(f"  wait() returned the {winner} ms nap after {elapsed:.3f} s; naps still running then: {running_after}")
    say(f"  losers (cancelled by hand): cleanup ran {tally.dropped}, finished {tally.finished - 1}")
    return dict(first_ms=winner, first_elapsed_s=f"{elapsed:.3f}", losers_running_after=running_after,
                losers_cleanup=tally.dropped, losers_finished=tally.finished - 1)


async def in_completion_order(unit_ms):
    tally = Tally()
    order = [await done for done in asyncio.as_completed([nap(tally, k * unit_ms) for k in (3, 1, 2)])]
    say(f"  results, in the order as_completed yielded them: {','.join(map(str, order))} ms")
    return dict(completion_order=",".join(map(str, order)), in_completion_order=str(order == sorted(order)).lower())


async def drop_the_tasks(unit_ms):
    tally, start = Tally(), time.perf_counter()
    tasks = [asyncio.create_task(nap(tally, k * unit_ms)) for k in (1, 2, 3)]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    held = len(pending)
    del tasks, pending  # our references are gone; the loop still runs the tasks
    await settle(start, unit_ms / 1000)
    finished_after = tally.finished - len(done)
    say(f"  {held} tasks were still running when we dropped them: cancelled {tally.dropped}, finished afterwards {finished_after}")
    return dict(dropped_set_held=held, dropped_set_aborted=tally.dropped, dropped_set_finished=finished_after)


async def gather_with_an_error(unit_ms):
    tally, start = Tally(), time.perf_counter()

    async def fails():
        await asyncio.sleep(unit_ms / 1000)
        raise RuntimeError(f"failed after {unit_ms} ms")

    failed = False
    try:
        await asyncio.gather(nap(tally, 2 * unit_ms), fails(), nap(tally, 3 * unit_ms))
    except RuntimeError as e:
        failed = True
        say(f"  gather raised {e!r} after {time.perf_counter() - start:.3f} s")
    error_after = time.perf_counter() - start
    await settle(start, unit_ms / 1000)
    say(f"  the others: cleanup ran {tally.dropped}, finished {tally.finished}")
    return dict(try_join_failed=str(failed).lower(), try_join_error_s=f"{error_after:.3f}",
                try_join_others_cleanup=tally.dropped, try_join_others_finished=tally.finished)


async def producer(messages, queue, ticks, acks):
    """Sends numbered messages and, after every third, waits until the reader has taken
    them all (so a reader is waiting for its next message), sends a tick and waits until
    the loop has handled it. In this lockstep what a loop loses is certain."""
    for n in range(1, messages + 1):
        queue.put_nowait(n)
        if n % 3 == 0:
            while not queue.empty():
                await asyncio.sleep(0)
            ticks.put_nowait(None)
            await acks.get()
    queue.put_nowait(None)  # the end: asyncio.Queue has no close()
    return messages


async def read_two(queue):
    first = await queue.get()
    if first is None:
        return None, None
    second = await queue.get()  # a cancel here loses `first`
    return first, second


async def lossy_loop(queue, ticks, acks):
    received, tick = 0, asyncio.create_task(ticks.get())
    while True:
        reader = asyncio.create_task(read_two(queue))
        done, _ = await asyncio.wait({reader, tick}, return_when=asyncio.FIRST_COMPLETED)
        if reader in done:
            first, second = reader.result()
            received += (first is not None) + (second is not None)
            if second is None:
                break
        else:
            reader.cancel()  # what select! does to the loser: the message it holds goes too
        if tick in done:
            acks.put_nowait(None)
            tick = asyncio.create_task(ticks.get())
    tick.cancel()
    return received


async def safe_loop(queue, ticks, acks):
    received, tick = 0, asyncio.create_task(ticks.get())
    getter = asyncio.create_task(queue.get())  # kept across rounds, never cancelled
    while True:
        done, _ = await asyncio.wait({getter, tick}, return_when=asyncio.FIRST_COMPLETED)
        if getter in done:
            if getter.result() is None:
                break
            received += 1
            getter = asyncio.create_task(queue.get())
        if tick in done:
            acks.put_nowait(None)
            tick = asyncio.create_task(ticks.get())
    tick.cancel()
    return received


async def cancel_safety(messages, loop):
    queue, ticks, acks = asyncio.Queue(), asyncio.Queue(), asyncio.Queue()
    sending = asyncio.create_task(producer(messages, queue, ticks, acks))
    received = await loop(queue, ticks, acks)
    return await sending, received


async def main(args):
    unit = args.delay_ms
    k = [unit, 2 * unit, 3 * unit]
    summary = {}
    say(f"1. asyncio.wait(FIRST_COMPLETED) over sleeps of {k[0]}, {k[1]} and {k[2]} ms")
    summary.update(await first_of_three(unit))
    say(f"\n2. asyncio.as_completed over {k[2]}, {k[0]}, {k[1]} ms")
    summary.update(await in_completion_order(unit))
    say(f"\n3. tasks of {k[0]}, {k[1]} and {k[2]} ms, dropped after the first result")
    summary.update(await drop_the_tasks(unit))
    say(f"\n4. gather of {k[1]} ms, an error after {k[0]} ms, and {k[2]} ms")
    summary.update(await gather_with_an_error(unit))
    say("\n5. cancel safety: a tick after every third message")
    sent, lossy = await cancel_safety(args.messages, lossy_loop)
    say(f"  a loop that reads two in a row: sent {sent}, received {lossy}, lost {sent - lossy}")
    _, safe = await cancel_safety(args.messages, safe_loop)
    say(f"  a loop that keeps one get() pending: sent {sent}, received {safe}, lost {sent - safe}")
    summary.update(messages=sent, lossy_received=lossy, lossy_lost=sent - lossy, safe_received=safe,
                   safe_lost=sent - safe, ideal_s=f"{13.5 * unit / 1000:.3f}")
    say("summary: " + " ".join(f"{key}={value}" for key, value in summary.items()))


def in_range(low, high):
    def parse(text):
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not in {low}..={high}")
        return value
    return parse


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="asyncio.wait, as_completed, gather and cancel safety, measured")
    parser.add_argument("--delay-ms", type=in_range(20, 10_000), default=100,
                        help="the shortest sleep; the others take two and three times as long")
    parser.add_argument("--messages", type=in_range(3, 1_000_000), default=30,
                        help="messages sent to each cancel-safety loop; a tick follows every third")
    try:
        asyncio.run(main(parser.parse_args()))
    except BrokenPipeError:
        pass
    except KeyboardInterrupt:  # Ctrl-C: stop quietly, with the status a shell gives it
        sys.exit(130)
