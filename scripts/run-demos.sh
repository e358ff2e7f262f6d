#!/usr/bin/env bash
# The timed runner behind `make all`: runs each named demo's release binary under a
# banner ("[4/13] name: idea"), prints its wall time, and ends with a summary table.
# A failing demo does not stop the others; the script exits 1 at the end if any failed.
#
#   scripts/run-demos.sh [demo ...]      (default: every demo, in scripts/demos order)
#
# Timing uses bash's own `time` with TIMEFORMAT, which works the same on Linux and macOS.
# The closing table shows, beside each time and status, the demo's headline figures: the
# keys of its `summary:` line named by `headline = "..."` under [package.metadata.demo] in
# its Cargo.toml. When the reader closes the pipe (`make all | head`), bash's default
# SIGPIPE ends this script quietly; the demo in progress ends quietly too.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-demos.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

target_dir=${CARGO_TARGET_DIR:-target}
if [ $# -gt 0 ]; then
  demos=("$@")
else
  demos=()
  while read -r d; do demos+=("$d"); done < <(scripts/list-demos.sh)
fi
total=${#demos[@]}
if [ "$total" -eq 0 ]; then
  echo "no demos to run (scripts/demos lists none that exist under crates/)"
  exit 0
fi

idea_of() { # the one-line description from the crate's Cargo.toml
  sed -n 's/^description *= *"\(.*\)"$/\1/p' "crates/$1/Cargo.toml" | head -n 1
}

headline_keys() { # the headline keys from the crate's [package.metadata.demo]
  sed -n 's/^headline *= *"\(.*\)"$/\1/p' "crates/$1/Cargo.toml" | head -n 1
}
# headline OUT NAME: "key=value key=value" for the demo's headline keys in OUT's summary.
headline() {
  # shellcheck disable=SC2046 # the keys are words on purpose
  summary_headline "$1" $(headline_keys "$2")
}

rule=$(printf '=%.0s' {1..78})
secs=()
status=()
figures=()
failed=0
exec 3>&1 4>&2
for i in "${!demos[@]}"; do
  name=${demos[$i]}
  n=$((i + 1))
  printf '\n%s\n[%d/%d] %s: %s\n%s\n' "$rule" "$n" "$total" "$name" "$(idea_of "$name")" "$rule"
  bin="$target_dir/release/$name"
  if [ ! -x "$bin" ]; then
    echo "error: $bin is missing; build it with 'cargo build --release -p $name'" >&2
    secs+=("-")
    status+=("missing")
    figures+=("")
    failed=1
    continue
  fi
  TIMEFORMAT='%R'
  # The demo writes to the terminal (fds 3 and 4) through tee, which keeps a copy for
  # the headline; only `time`'s figure is captured.
  t=$({ time "$bin" 2>&4 | tee "$tmp/out" 1>&3; } 2>&1)
  rc=$?
  t=${t##*$'\n'}
  secs+=("$t")
  figures+=("$(headline "$tmp/out" "$name")")
  if [ $rc -eq 0 ]; then
    status+=("ok")
  else
    status+=("FAILED (exit $rc)")
    failed=1
  fi
  printf -- '--- %s: %s s, %s\n' "$name" "$t" "${status[$i]}"
done

printf '\n%s\nSummary\n%s\n' "$rule" "$rule"
printf '%-3s %-27s %8s  %-7s %s\n' "#" "demo" "seconds" "status" "what it measured"
for i in "${!demos[@]}"; do
  printf '%-3s %-27s %8s  %-7s %s\n' "$((i + 1))" "${demos[$i]}" "${secs[$i]}" "${status[$i]}" "${figures[$i]}"
done
all=$(printf '%s\n' "${secs[@]}" | awk '$1 != "-" { s += $1 } END { printf "%.2f", s }')
printf '%-3s %-27s %8s\n' "" "total" "$all"
if [ $failed -ne 0 ]; then
  echo "make all: some demos failed (see above)" >&2
  exit 1
fi
