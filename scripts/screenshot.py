#!/usr/bin/env python3
"""Opens pages in headless Chromium (Debian's chromium, driven by PyPI's playwright) and
saves a PNG of each: what a learner would see of an SVG timeline, or of a trace in
vizviewer's Perfetto UI. Used by scripts/check-traces.sh.

    python3 scripts/screenshot.py URL_OR_FILE OUT.png [--width 1000] [--dark] [--wait-ms 0]
"""
import argparse
import os
import sys


def main():
    p = argparse.ArgumentParser(description="Screenshot a page in headless Chromium.")
    p.add_argument("page")
    p.add_argument("png")
    p.add_argument("--width", type=int, default=1000)
    p.add_argument("--height", type=int, default=700)
    p.add_argument("--dark", action="store_true", help="prefers-color-scheme: dark")
    p.add_argument("--wait-ms", type=int, default=0, help="wait this long after load")
    p.add_argument("--full", action="store_true", help="the whole page, not just the window")
    p.add_argument("--expand", action="store_true",
                   help="Perfetto: open every group of tracks (click each collapsed one)")
    args = p.parse_args()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("error: playwright is not installed (python3 -m pip install playwright)", file=sys.stderr)
        return 1
    page_url = args.page if "://" in args.page else "file://" + os.path.abspath(args.page)
    full = args.full
    if full and args.page.endswith(".svg") and os.path.exists(args.page):
        # A full-page shot of an SVG document never ends in Chromium: size the window to
        # the picture instead.
        import re
        head = open(args.page, encoding="utf-8").read(2000)
        w, h = re.search(r'width="([0-9.]+)"', head), re.search(r'height="([0-9.]+)"', head)
        if w and h:
            args.width, args.height, full = int(float(w.group(1))), int(float(h.group(1))), False
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": args.width, "height": args.height},
                                color_scheme="dark" if args.dark else "light")
        page.set_default_timeout(120_000)  # a busy machine renders slowly
        page.goto(page_url, wait_until="load")
        if args.wait_ms:
            page.wait_for_timeout(args.wait_ms)
        if args.expand:
            # Perfetto loads the trace after the page: wait for its first track to show.
            page.wait_for_selector(".pf-track__shell", timeout=90_000)
            page.wait_for_timeout(1500)
            # Perfetto shows each group (a "process") collapsed: open them, top to bottom.
            for _ in range(12):
                closed = page.locator('button.pf-track__collapse-button:has(i:text-is("expand_more"))')
                if closed.count() == 0:
                    break
                try:
                    closed.first.click(timeout=1000)
                except Exception:
                    break
                page.wait_for_timeout(300)
        page.screenshot(path=args.png, full_page=full)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
