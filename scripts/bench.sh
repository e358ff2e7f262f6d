#!/usr/bin/env bash
# `make bench`: each demo's headline claim, measured as a ratio at a scale the tutorial
# runs never reach, printed as one table: demo | scenario | figure | goal | met.
#
# Each demo's rows are in crates/<name>/bench.sh, a fragment sourced here that uses the
# helpers below: `runs N CMD...` then `med KEY`, `med_rss`, `last KEY`; `row DEMO SCENARIO
# FIGURE GOAL MET` adds a row; `fmt`, `calc`, `le`, `ge` and `cpu_row` format and judge.
# It runs the release binaries (make bench builds them first) with flags the demos have,
# reads the figures from each run's closing `summary:` line, and takes peak memory from
# the operating system (GNU time -v on Linux, time -l on macOS), never from the program.
# A figure from a short run is the median of $RUNS runs (default 3); CPU speedups, which
# the host's noise moves most, of $CPU_RUNS runs (default 5).
#
#   scripts/bench.sh            (about six minutes on a 2-core machine)
#   RUNS=5 scripts/bench.sh
#   scripts/bench.sh gil gather (only these demos' rows, without the make all row)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
bin=${CARGO_TARGET_DIR:-target}/release
runs=${RUNS:-3}
cpu_runs=${CPU_RUNS:-5}
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || sysctl -n hw.ncpu)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

rows=()
missed=0
# row DEMO SCENARIO FIGURE GOAL MET   (MET: yes, NO, or - where there is no goal)
row() {
  rows+=("$1"$'\t'"$2"$'\t'"$3"$'\t'"$4"$'\t'"$5")
  [ "$5" = NO ] && missed=$((missed + 1))
  printf '  %-14s %-44s %-22s %s\n' "$1" "$2" "$3" "$4 $([ "$5" = - ] || echo "($5)")" >&2
}

# Median of the numbers on stdin.
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.6g\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# Arithmetic: calc EXPRESSION A [B [C]], the expression in a, b and c, their values given
# after it (never spliced into awk's program text). A value that is empty or not a number
# (a run that failed) gives "nan", which fmt prints as n/a.
calc() {
  local expr=$1 x; shift
  for x in "$@"; do [[ $x =~ ^-?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$ ]] || { echo nan; return; }; done
  awk -v a="${1:-0}" -v b="${2:-0}" -v c="${3:-0}" "BEGIN { r = $expr; printf \"%.6g\", r }"
}
# goal checks: le X LIMIT / ge X LIMIT print yes or NO
le() { awk -v x="$1" -v l="$2" 'BEGIN { print (x != "" && x + 0 <= l + 0) ? "yes" : "NO" }'; }
ge() { awk -v x="$1" -v l="$2" 'BEGIN { print (x != "" && x + 0 >= l + 0) ? "yes" : "NO" }'; }
fmt() { awk -v x="$1" -v d="${2:-2}" 'BEGIN { if (x == "" || x == "nan") print "n/a"; else printf "%." d "f", x }'; }

# run OUT CMD...: runs CMD with its stdout in OUT; prints its peak RSS in KiB (or empty).
if /usr/bin/time -v true >/dev/null 2>&1; then
  run() { local out=$1; shift; /usr/bin/time -v -o "$tmp/rss" "$@" >"$out" 2>"$tmp/err" || { echo "bench: '$*' failed: $(tail -n 1 "$tmp/err")" >&2; return 1; }; sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/rss"; }
elif /usr/bin/time -l true >/dev/null 2>&1; then
  run() { local out=$1; shift; /usr/bin/time -l -o "$tmp/rss" "$@" >"$out" 2>"$tmp/err" || { echo "bench: '$*' failed: $(tail -n 1 "$tmp/err")" >&2; return 1; }; awk '/maximum resident set size/ { printf "%d\n", $1 / 1024 }' "$tmp/rss"; }
else
  run() { local out=$1; shift; "$@" >"$out" 2>"$tmp/err" || { echo "bench: '$*' failed: $(tail -n 1 "$tmp/err")" >&2; return 1; }; echo; }
fi

# runs N CMD...: runs CMD N times, keeping each run's stdout in $tmp/out.I and its peak
# RSS in $tmp/rss.I; `med KEY` and `med_rss` then give medians over those runs.
runs_done=0
runs() {
  local n=$1 i r; shift
  rm -f "$tmp"/out.* "$tmp"/rss.*
  runs_done=0
  for ((i = 1; i <= n; i++)); do
    r=$(run "$tmp/out.$i" "$@") || return 1
    echo "$r" >"$tmp/rss.$i"
    runs_done=$i
  done
}
med() { local i; for ((i = 1; i <= runs_done; i++)); do summary_value "$1" "$tmp/out.$i"; done | median; }
med_rss() { cat "$tmp"/rss.* 2>/dev/null | grep . | median; }
last() { summary_value "$1" "$tmp/out.$runs_done"; }

have() { [ -x "$bin/$1" ] || { echo "bench: $bin/$1 is missing; skipping $1" >&2; return 1; }; }

echo "make bench: $cores cores, $(uname -sm); medians of $runs runs ($cpu_runs for CPU speedups)" >&2

# CPU-bound speedups: a larger size than the demo's default, so that one sequential run
# takes about half a second and a few milliseconds of noise do not move the ratio.
cpu_goal=$(calc '0.9 * a' "$cores")
cpu_row() { # DEMO SCENARIO KEY
  local s; s=$(med "$3")
  row "$1" "$2" "$(fmt "$s")x ($(fmt "$(calc 'a / b' "$s" "$cores")") x cores)" ">= 0.9 x $cores" "$(ge "$s" "$cpu_goal")"
}
# Each demo's rows live beside it, in crates/<name>/bench.sh, in the order of `make all`.
only=" $* "
for demo in $(scripts/list-demos.sh); do
  [ $# -eq 0 ] || [[ $only == *" $demo "* ]] || continue
  { [ -f "crates/$demo/bench.sh" ] && have "$demo"; } || continue
  # shellcheck source=/dev/null
  . "crates/$demo/bench.sh"
done

# The whole tour on a warm build: wall time against the waits the demos ask for.
if [ $# -eq 0 ] && [ -n "$(scripts/list-demos.sh)" ]; then
  TIMEFORMAT='%R'
  wall=$({ time make -s --no-print-directory all >"$tmp/all" 2>"$tmp/all.err"; } 2>&1)
  wall=${wall##*$'\n'}
  ideal=$(awk '/^summary: / { for (i = 2; i <= NF; i++) if ($i ~ /^ideal_s=/) s += substr($i, 9) } END { printf "%.2f", s }' "$tmp/all")
  n=$(grep -c '^summary: ' "$tmp/all")
  row "make all" "$n demos, warm build" "$(fmt "$wall") s wall, $(fmt "$ideal") s waits" "-" -
  row "make all" "  overhead beyond the waits" "$(fmt "$(calc 'a - b' "$wall" "$ideal")") s" "-" -
fi

printf '\n| demo | scenario | figure | goal |\n|---|---|---|---|\n'
for r in "${rows[@]}"; do
  IFS=$'\t' read -r d s f g m <<<"$r"
  if [ "$m" = - ]; then mark=""; elif [ "$m" = yes ]; then mark=" (met)"; else mark=" (MISSED)"; fi
  printf '| %s | %s | %s | %s%s |\n' "$d" "$s" "$f" "$g" "$mark"
done
printf '\n%s cores, %s; %d goal(s) missed.\n' "$cores" "$(uname -sm)" "$missed"
