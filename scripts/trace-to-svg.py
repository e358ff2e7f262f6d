#!/usr/bin/env python3
"""Draws a Chrome Trace Event Format file (a demo's `--trace` output, Rust or Python) as an
SVG timeline for a README: one lane per track, grouped as the demo's table is, slices
coloured by kind with a legend, moments as ticks, counters as step lines, a time axis in
milliseconds. It reads in light and in dark themes (the colours follow the viewer's
prefers-color-scheme) and fits GitHub's README width. Standard library only.

    python3 scripts/trace-to-svg.py TRACE.json OUT.svg [--title T] [--caption C]
                                    [--lanes N]   (tracks drawn per group, default 12)
"""

import argparse
import html
import json
import math
import sys
import zlib

WIDTH = 900
LABEL_W = 210  # the left column: group and track names
PLOT_X = LABEL_W + 10
PLOT_W = WIDTH - PLOT_X - 20
LANE_H = 18
SLICE_H = 13
GROUP_H = 22
CHAR_W = 6.1  # width of one character of the 11 px font, roughly

# Colours that read on white and on GitHub's dark background alike.
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#86bcb6"]
TICK_COLOUR = "#d62728"
COUNTER_COLOUR = "#17becf"


def nice_step(span_ms, ticks=8):
    """A round step (1, 2 or 5 x 10^k ms) that cuts span_ms into about `ticks` parts."""
    raw = max(span_ms / ticks, 1e-6)
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power


def fmt_ms(v):
    if v == 0:
        return "0"
    if abs(v) >= 10 or v == int(v):
        return f"{v:,.0f}"
    return f"{v:g}"


def load(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    other = data.get("otherData", {}) if isinstance(data, dict) else {}
    groups, tracks, group_order, track_order = {}, {}, {}, {}
    slices, instants, counters = [], [], []
    for e in events:
        ph = e.get("ph")
        pid, tid = e.get("pid", 0), e.get("tid", 0)
        if ph == "M":
            args = e.get("args", {})
            if e["name"] == "process_name":
                groups[pid] = args["name"]
            elif e["name"] == "thread_name":
                tracks[(pid, tid)] = args["name"]
            elif e["name"] == "process_sort_index":
                group_order[pid] = args["sort_index"]
            elif e["name"] == "thread_sort_index":
                track_order[(pid, tid)] = args["sort_index"]
        elif ph == "X":
            slices.append(e)
        elif ph in ("i", "I"):
            instants.append(e)
        elif ph == "C":
            counters.append(e)
    return other, groups, tracks, group_order, track_order, slices, instants, counters


def render(path, title, caption, max_lanes):
    other, groups, tracks, group_order, track_order, slices, instants, counters = load(path)
    end_us = max([s["ts"] + s.get("dur", 0) for s in slices] + [i["ts"] for i in instants]
                 + [c["ts"] for c in counters] + [1.0])
    span_ms = end_us / 1000
    scale = PLOT_W / end_us

    def x(ts):
        return PLOT_X + ts * scale

    pids = sorted(set(groups) | {p for p, _ in tracks} | {s["pid"] for s in slices},
                  key=lambda p: (group_order.get(p, p), p))
    kinds = []
    for s in slices:
        kind = s.get("cat") or s.get("name", "")
        if kind not in kinds:
            kinds.append(kind)
    # A kind keeps its colour from picture to picture (the Rust and the Python run side by
    # side): its colour comes from its name, the next free one when two names collide.
    colour, taken = {}, set()
    for k in sorted(kinds):
        i = zlib.crc32(k.encode()) % len(PALETTE)
        while PALETTE[i] in taken and len(taken) < len(PALETTE):
            i = (i + 1) % len(PALETTE)
        colour[k] = PALETTE[i]
        taken.add(PALETTE[i])
    by_track = {}
    for s in slices:
        by_track.setdefault((s["pid"], s["tid"]), []).append(s)
    ticks_by_track = {}
    for i in instants:
        ticks_by_track.setdefault((i["pid"], i["tid"]), []).append(i)
    counter_series = {}
    for c in counters:
        counter_series.setdefault((c["pid"], c["name"]), []).append(c)

    body = []
    y = 40 if title else 14
    top = y
    hidden_note = []
    for pid in pids:
        body.append(f'<text class="group" x="8" y="{y + 15}">{esc(groups.get(pid, f"group {pid}"))}</text>')
        body.append(f'<line class="sep" x1="8" x2="{WIDTH - 10}" y1="{y + 20}" y2="{y + 20}"/>')
        y += GROUP_H
        own = sorted([t for t in tracks if t[0] == pid] +
                     [t for t in by_track if t[0] == pid and t not in tracks],
                     key=lambda t: (track_order.get(t, t[1]), t[1]))
        own = list(dict.fromkeys(own))
        shown = own if len(own) <= max_lanes else own[: max_lanes - 1]
        for key in shown:
            name = tracks.get(key, f"track {key[1]}")
            body.append(f'<text class="track" x="16" y="{y + 13}">{esc(clip(name, 31))}</text>')
            body.append(f'<line class="lane" x1="{PLOT_X}" x2="{PLOT_X + PLOT_W}" y1="{y + LANE_H - 2}" y2="{y + LANE_H - 2}"/>')
            drawn_to = {}
            for s in sorted(by_track.get(key, []), key=lambda s: s["ts"]):
                kind = s.get("cat") or s.get("name", "")
                x0, w = x(s["ts"]), max(s.get("dur", 0) * scale, 1.0)
                # Slices narrower than a pixel next to the last one drawn merge into it.
                last = drawn_to.get(kind)
                if last is not None and x0 <= last[0] + last[1] + 0.5 and w < 2:
                    continue
                drawn_to[kind] = (x0, w)
                label = s.get("name", "")
                body.append(f'<rect x="{x0:.1f}" y="{y + 2}" width="{w:.1f}" height="{SLICE_H}" rx="2" '
                            f'fill="{colour[kind]}"><title>{esc(label)}: {s.get("dur", 0) / 1000:.3f} ms '
                            f'from {s["ts"] / 1000:.3f} ms</title></rect>')
                room = int((w - 6) / CHAR_W)
                if room >= 4:
                    body.append(f'<text class="in" x="{x0 + 3:.1f}" y="{y + 12}">{esc(clip(label, room))}</text>')
            for i in ticks_by_track.get(key, []):
                xi = x(i["ts"])
                body.append(f'<path d="M{xi - 4:.1f},{y} L{xi + 4:.1f},{y} L{xi:.1f},{y + 7} Z" fill="{TICK_COLOUR}">'
                            f'<title>{esc(i.get("name", ""))} at {i["ts"] / 1000:.3f} ms</title></path>')
            y += LANE_H
        if len(own) > len(shown):
            more = len(own) - len(shown)
            body.append(f'<text class="more" x="16" y="{y + 13}">... and {more:,} more tracks like these '
                        f'(all {len(own):,} are in the trace file)</text>')
            hidden_note.append(more)
            y += LANE_H
        for (cpid, cname), series in sorted(counter_series.items()):
            if cpid != pid:
                continue
            series.sort(key=lambda c: c["ts"])
            values = [float(next(iter(c.get("args", {"v": 0}).values()), 0)) for c in series]
            peak = max(values + [1e-9])
            h = 30
            body.append(f'<text class="track" x="16" y="{y + 13}">{esc(clip(cname, 24))}</text>')
            body.append(f'<text class="more" x="16" y="{y + 26}">peak {fmt_ms(peak)}</text>')
            points, last_v = [], 0.0
            for c, v in zip(series, values):
                xc = x(c["ts"])
                points.append(f"{xc:.1f},{y + h - last_v / peak * (h - 4):.1f}")
                points.append(f"{xc:.1f},{y + h - v / peak * (h - 4):.1f}")
                last_v = v
            points.append(f"{PLOT_X + PLOT_W:.1f},{y + h - last_v / peak * (h - 4):.1f}")
            body.append(f'<polyline fill="none" stroke="{COUNTER_COLOUR}" stroke-width="1.5" points="{" ".join(points)}"/>')
            body.append(f'<line class="lane" x1="{PLOT_X}" x2="{PLOT_X + PLOT_W}" y1="{y + h}" y2="{y + h}"/>')
            y += h + 6
        y += 6

    # The time axis, below the lanes, with grid lines through them.
    axis = []
    step = nice_step(span_ms)
    t = 0.0
    while t <= span_ms + 1e-9:
        xt = x(t * 1000)
        axis.append(f'<line class="grid" x1="{xt:.1f}" x2="{xt:.1f}" y1="{top}" y2="{y}"/>')
        axis.append(f'<text class="axis" x="{xt:.1f}" y="{y + 14}" text-anchor="middle">{fmt_ms(t)}</text>')
        t += step
    axis.append(f'<text class="axis" x="{PLOT_X + PLOT_W}" y="{y + 30}" text-anchor="end">time since the start, ms</text>')
    y += 40

    # The legend: one swatch per kind of slice, then the moments and the counters.
    legend, lx = [], 16
    items = [(colour[k], k, "rect") for k in kinds]
    if instants:
        names = list(dict.fromkeys(i.get("name", "") for i in instants))
        items.append((TICK_COLOUR, "moment: " + ", ".join(names[:3]) + (" ..." if len(names) > 3 else ""), "tick"))
    if counters:
        items.append((COUNTER_COLOUR, "level over time", "line"))
    for c, label, shape in items:
        text = clip(label, 40)
        need = 22 + len(text) * CHAR_W + 14
        if lx + need > WIDTH - 10:
            lx, y = 16, y + 18
        if shape == "rect":
            legend.append(f'<rect x="{lx}" y="{y}" width="14" height="11" rx="2" fill="{c}"/>')
        elif shape == "tick":
            legend.append(f'<path d="M{lx},{y} L{lx + 10},{y} L{lx + 5},{y + 9} Z" fill="{c}"/>')
        else:
            legend.append(f'<line x1="{lx}" x2="{lx + 14}" y1="{y + 6}" y2="{y + 6}" stroke="{c}" stroke-width="2"/>')
        legend.append(f'<text class="legend" x="{lx + 20}" y="{y + 10}">{esc(text)}</text>')
        lx += need
    y += 30
    notes = list(other.get("notes", []))
    foot = []
    for line in ([caption] if caption else []) + notes:
        for part in wrap(line, 140):
            foot.append(f'<text class="note" x="16" y="{y}">{esc(part)}</text>')
            y += 15
    height = y + 6

    # A long title (a crate's description) wraps onto a second line, pushing the rest down.
    title_lines = wrap(title, 100)[:2] if title else []
    head = "".join(f'<text class="title" x="8" y="{24 + 19 * i}">{esc(line)}</text>'
                   for i, line in enumerate(title_lines))
    shift = 19 * max(len(title_lines) - 1, 0)
    height += shift
    return f'''<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">
<style>
  .bg {{ fill: #ffffff; }}
  text {{ fill: #1f2328; font-size: 11px; }}
  .title {{ font-size: 15px; font-weight: 600; }}
  .group {{ font-size: 12px; font-weight: 600; }}
  .in {{ fill: #ffffff; font-size: 10px; }}
  .more, .note, .axis {{ fill: #59636e; font-size: 10.5px; }}
  .sep {{ stroke: #d1d9e0; }}
  .lane {{ stroke: #eff2f5; }}
  .grid {{ stroke: #d1d9e0; stroke-dasharray: 2 3; }}
  @media (prefers-color-scheme: dark) {{
    .bg {{ fill: #0d1117; }}
    text {{ fill: #e6edf3; }}
    .more, .note, .axis {{ fill: #9198a1; }}
    .sep {{ stroke: #3d444d; }}
    .lane {{ stroke: #21262d; }}
    .grid {{ stroke: #3d444d; }}
  }}
</style>
<rect class="bg" width="{WIDTH}" height="{height}"/>
{head}
<g transform="translate(0 {shift})">
{chr(10).join(axis)}
{chr(10).join(body)}
{chr(10).join(legend)}
{chr(10).join(foot)}
</g>
</svg>
'''


def esc(text):
    return html.escape(str(text), quote=True)


def clip(text, n):
    text = str(text)
    return text if len(text) <= n else text[: max(n - 1, 1)] + "\u2026"


def wrap(text, n):
    words, lines, line = str(text).split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > n:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return lines + ([line] if line else [])


def main():
    parser = argparse.ArgumentParser(description="Draw a Chrome trace (a demo's --trace file) as an SVG timeline.")
    parser.add_argument("trace")
    parser.add_argument("svg")
    parser.add_argument("--title", default="")
    parser.add_argument("--caption", default="", help="e.g. the machine and the command that made the trace")
    parser.add_argument("--lanes", type=int, default=12, help="tracks drawn per group (the rest are counted)")
    args = parser.parse_args()
    try:
        svg = render(args.trace, args.title, args.caption, max(args.lanes, 2))
    except (OSError, ValueError, KeyError) as error:
        print(f"error: cannot draw {args.trace}: {error}", file=sys.stderr)
        return 1
    with open(args.svg, "w", encoding="utf-8") as out:
        out.write(svg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
