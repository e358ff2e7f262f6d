#!/usr/bin/env bash
# `make exercises`: every exercise, in the order of the demos, with its status (done / to
# do) and the figure its check measured, for your working copy of each.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
n=0 done=0
for crate in $(scripts/list-demos.sh); do
  for file in crates/"$crate"/exercises/*.rs; do
    [ -f "$file" ] || continue
    name=$(basename "$file" .rs)
    case $name in check | checking) continue ;; esac
    n=$((n + 1))
    if scripts/exercise.sh "$name" --quiet 2>/dev/null; then done=$((done + 1)); fi
  done
done
echo
echo "$done of $n exercises done. Check one, with hints: make exercise NAME=<exercise>"
