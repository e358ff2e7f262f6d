#!/usr/bin/env bash
# `make exercise NAME=...`: builds one exercise (crates/<crate>/exercises/NAME.rs, your
# working copy) and its crate's check, then runs the check, which runs the program and
# measures it: it prints your prediction's answer, the figure, the goal, and a hint while
# the goal is not met. Exit 0 when done, 1 while still to do, 2 for a name it does not know.
#
#   scripts/exercise.sh NAME [--hint] [--quiet]
#   EXERCISE_PROGRAM=path scripts/exercise.sh NAME    check that program instead (a solution)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
name=${1:-}
shift || true
file=
for f in crates/*/exercises/"$name".rs; do [ -f "$f" ] && file=$f; done
if [ -z "$name" ] || [ -z "$file" ]; then
  echo "usage: make exercise NAME=<exercise>   (make exercises lists them)" >&2
  exit 2
fi
crate=$(basename "$(dirname "$(dirname "$file")")")
snake=${crate//-/_}
target=${CARGO_TARGET_DIR:-target}
# Exercises that do not compile as shipped need the crate's `unfinished` feature to build.
features=()
grep -q '^unfinished *=' "crates/$crate/Cargo.toml" && features=(--features unfinished)
cargo build --quiet --release -p "$crate" --example "${snake}_check" || exit 1
check="$target/release/examples/${snake}_check"
program=${EXERCISE_PROGRAM:-}
if [ -z "$program" ]; then
  log=$(mktemp "${TMPDIR:-/tmp}/exercise.XXXXXX")
  trap 'rm -f "$log"' EXIT
  if ! cargo build --quiet --release -p "$crate" "${features[@]}" --example "$name" 2>"$log"; then
    # The compiler's own words are the first part of the lesson: show its errors.
    [[ " $* " == *" --quiet "* ]] || grep -v '^warning: unused' "$log" | sed -n '/^error/,$p' | head -n 40
    exec "$check" "$name" --did-not-compile "$@"
  fi
  program="$target/release/examples/$name"
fi
exec "$check" "$name" "$program" "$@"
