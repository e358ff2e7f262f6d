#!/usr/bin/env bash
# `make compare`: each demo's Python twin, then the Rust program, on the same scenario.
# Prints a table: demo, scenario, Python seconds, Rust seconds, their ratio, and each
# side's headline figure (a key of the closing `summary:` line both sides print).
# Wall times are measured here, around each whole program, with bash's `time`.
#
#   scripts/compare.sh [demo ...]      (default: every demo that has a Python twin)
#
# Without python3 it says so and exits 0, having run nothing.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
bin=${CARGO_TARGET_DIR:-target}/release

if ! command -v python3 >/dev/null 2>&1; then
  echo "make compare: python3 is not installed, so there is no Python side to compare; nothing run."
  exit 0
fi

# Each demo's scenario is `compare = "..."` under [package.metadata.demo] in its Cargo.toml:
# "scenario (for the table) | arguments for both sides | headline summary keys
#  [| Rust arguments, where the Rust side needs more work to be measurable at all; the
#   Python/Rust ratio of seconds is then not shown, since the two did different work]".
scenarios=$(for d in $(scripts/list-demos.sh); do
  line=$(sed -n 's/^compare *= *"\(.*\)"$/\1/p' "crates/$d/Cargo.toml" | head -n 1)
  # the spaces around each | are for the reader of Cargo.toml
  [ -n "$line" ] && echo "$d|$(sed -E 's/ *\| */|/g' <<<"$line")"
done)


tmp=$(mktemp -d "${TMPDIR:-/tmp}/compare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
TIMEFORMAT='%R'
# timed OUT CMD...: runs CMD (stdout to OUT, stderr to OUT.err); prints wall seconds,
# or "failed" if it did not exit 0.
timed() {
  local out=$1 t rc; shift
  t=$({ time "$@" >"$out" 2>"$out.err"; } 2>&1); rc=$?
  t=${t##*$'\n'}
  if [ $rc -eq 0 ]; then echo "$t"; else echo "failed"; fi
}

wanted=("$@")
lines=()
while IFS='|' read -r name scenario args keys rust_args; do
  if [ ${#wanted[@]} -gt 0 ] && ! printf '%s\n' "${wanted[@]}" | grep -qx "$name"; then continue; fi
  py="crates/$name/python/$name.py"
  { [ -f "$py" ] && [ -x "$bin/$name" ]; } || continue
  [ "$args" = "--" ] && args=""
  rust_args=${rust_args:-$args}
  echo "== $name: $scenario" >&2
  # shellcheck disable=SC2086 # the arguments are words on purpose
  py_s=$(timed "$tmp/py" python3 "$py" $args)
  # shellcheck disable=SC2086
  rs_s=$(timed "$tmp/rs" "$bin/$name" $rust_args)
  for side in py rs; do
    seconds=${side}_s
    if [ "${!seconds}" = failed ]; then
      echo "   $side side failed: $(tail -n 1 "$tmp/$side.err")" >&2
    fi
  done
  ratio=$(awk -v p="$py_s" -v r="$rs_s" 'BEGIN { if (p + 0 > 0 && r + 0 > 0) printf "%.1fx", p / r; else print "-" }')
  [ "$rust_args" = "$args" ] || ratio="(other work)"
  # shellcheck disable=SC2086
  lines+=("$name|$scenario|$py_s|$rs_s|$ratio|$(summary_headline "$tmp/py" $keys)|$(summary_headline "$tmp/rs" $keys)")
done <<<"$scenarios"

if [ ${#lines[@]} -eq 0 ]; then
  echo "make compare: no demo with a Python twin and a built binary"
  exit 0
fi
printf '\n| demo | scenario | Python s | Rust s | Python/Rust | Python figures | Rust figures |\n'
printf '|---|---|---|---|---|---|---|\n'
for l in "${lines[@]}"; do
  IFS='|' read -r a b c d e f g <<<"$l"
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$a" "$b" "$c" "$d" "$e" "$f" "$g"
done
echo
echo "Wall times include each program's start-up (CPython's is tens of milliseconds)."
if printf '%s\n' "${lines[@]}" | grep -q '^gil|'; then
  echo "gil: speedup_gil is CPython's own threads under its real GIL on the Python side, and"
  echo "threads under the emulated GIL on the Rust side; speedup_procs is processes, each with"
  echo "a GIL of its own, on both sides."
fi
