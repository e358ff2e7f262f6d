"""The Python side of __NAME__: TODO, the same idea with the standard library."""

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser(description="TODO: the idea in one line")
    parser.add_argument("--delay-ms", type=int, default=100, help="how long to sleep, in ms")
    args = parser.parse_args()
    print(f"sleeping {args.delay_ms} ms")
    start = time.perf_counter()
    time.sleep(args.delay_ms / 1000)
    slept = time.perf_counter() - start
    delay = args.delay_ms / 1000
    print(f"slept {slept * 1e3:.1f} ms")
    print(f"summary: delay_ms={args.delay_ms} slept_s={slept:.3f} ratio={slept / delay:.3f} ideal_s={delay:.3f}")


if __name__ == "__main__":
    main()
