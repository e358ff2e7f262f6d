#!/usr/bin/env bash
# `make pictures`: each demo run once with `--trace` on its README scenario, and the trace
# drawn as crates/<name>/timeline.svg (scripts/trace-to-svg.py); where the contrast with
# Python is the lesson, the twin's run too, as crates/<name>/timeline-python.svg. The
# scenarios are `picture = "..."` and `picture_python = "..."` under
# [package.metadata.demo] in each Cargo.toml. Each picture's caption names the machine and
# the command that made it; `picture_<what> = "..."` adds timeline-<what>.svg, another
# scenario of the Rust demo. The traces themselves stay in target/traces/.
#
#   scripts/pictures.sh [demo ...]     (needs python3 for the drawing; make builds first)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
bin=${CARGO_TARGET_DIR:-target}/release
out=${CARGO_TARGET_DIR:-target}/traces
if ! command -v python3 >/dev/null 2>&1; then
  echo "make pictures: python3 is needed to draw the traces (scripts/trace-to-svg.py); nothing drawn."
  exit 0
fi
mkdir -p "$out"
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || sysctl -n hw.ncpu)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
machine="$(uname -s) $(uname -m), $cores cores${cpu:+ ($cpu)}"
meta() { sed -n "s/^$2 *= *\"\(.*\)\"$/\1/p" "crates/$1/Cargo.toml" | head -n 1; }

if [ $# -gt 0 ]; then demos=("$@"); else read -r -a demos <<<"$(scripts/list-demos.sh | tr '\n' ' ')"; fi
failed=0
for name in "${demos[@]}"; do
  args=$(meta "$name" picture)
  [ -n "$args" ] || { echo "pictures: $name has no picture = \"...\" in its Cargo.toml; skipped" >&2; continue; }
  [ "$args" = "--" ] && args=""
  title="$name: $(meta "$name" description)"
  # shellcheck disable=SC2086 # the arguments are words on purpose
  if "$bin/$name" $args --trace "$out/$name.json" >"$out/$name.out" 2>"$out/$name.err"; then
    python3 scripts/trace-to-svg.py "$out/$name.json" "crates/$name/timeline.svg" --title "$title" \
      --caption "Drawn from a real run: cargo run --release -p $name -- $args --trace t.json, on $machine, $(date -u +%Y-%m-%d)." \
      && echo "pictures: crates/$name/timeline.svg"
  else
    echo "pictures: $name $args --trace failed: $(tail -n 1 "$out/$name.err")" >&2; failed=1
  fi
  # More pictures of the Rust run: picture_<what> = "..." draws timeline-<what>.svg.
  while IFS='=' read -r key extra; do
    what=${key#picture_}
    extra=$(sed -E 's/^ *"(.*)" *$/\1/' <<<"$extra")
    # shellcheck disable=SC2086 # the arguments are words on purpose
    if "$bin/$name" $extra --trace "$out/$name-$what.json" >"$out/$name-$what.out" 2>"$out/$name-$what.err"; then
      python3 scripts/trace-to-svg.py "$out/$name-$what.json" "crates/$name/timeline-$what.svg" --title "$title ($what)" \
        --caption "Drawn from a real run: cargo run --release -p $name -- $extra --trace t.json, on $machine, $(date -u +%Y-%m-%d)." \
        && echo "pictures: crates/$name/timeline-$what.svg"
    else
      echo "pictures: $name $extra --trace failed: $(tail -n 1 "$out/$name-$what.err")" >&2; failed=1
    fi
  done < <(grep -E '^picture_[a-z]+ *=' "crates/$name/Cargo.toml" | grep -v '^picture_python' | sed -E 's/ *= */=/')
  py_args=$(meta "$name" picture_python)
  [ -n "$py_args" ] || continue
  [ "$py_args" = "--" ] && py_args=""
  # shellcheck disable=SC2086
  if python3 "crates/$name/python/$name.py" $py_args --trace "$out/$name-python.json" >"$out/$name-python.out" 2>"$out/$name-python.err"; then
    python3 scripts/trace-to-svg.py "$out/$name-python.json" "crates/$name/timeline-python.svg" --title "$name, the Python twin" \
      --caption "Drawn from a real run: python3 crates/$name/python/$name.py $py_args --trace t.json, on $machine, Python $(python3 -c 'import platform; print(platform.python_version())'), $(date -u +%Y-%m-%d)." \
      && echo "pictures: crates/$name/timeline-python.svg"
  else
    echo "pictures: the $name twin failed: $(tail -n 1 "$out/$name-python.err")" >&2; failed=1
  fi
done
exit $failed
