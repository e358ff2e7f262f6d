#!/usr/bin/env bash
# Proves both directions of every exercise (make test): each exercise as shipped FAILS its
# check, and its solution (exercises/solutions/NAME.rs) PASSES it. "As shipped" is the
# committed file: where your working copy differs (an exercise you are solving), the
# committed version is checked from a scratch copy of the crate, so your work never turns
# make test red, and is never touched.
#
#   scripts/check-exercises.sh [crate ...]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-exercises.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ $# -gt 0 ]; then crates=("$@"); else read -r -a crates <<<"$(scripts/list-demos.sh | tr '\n' ' ')"; fi
in_git=0
git rev-parse --is-inside-work-tree >/dev/null 2>&1 && in_git=1
bad=0 n=0
for crate in "${crates[@]}"; do
  snake=${crate//-/_}
  for file in crates/"$crate"/exercises/*.rs; do
    [ -f "$file" ] || continue
    name=$(basename "$file" .rs)
    case $name in check | checking) continue ;; esac
    n=$((n + 1))
    if [ $in_git -eq 1 ] && ! git diff --quiet HEAD -- "$file" 2>/dev/null; then
      # Check the committed exercise from a scratch copy of the crate.
      rm -rf "${tmp:?}/$crate"
      cp -r "crates/$crate" "$tmp/$crate"
      rm -rf "$tmp/$crate/target"
      git show "HEAD:$file" >"$tmp/$crate/exercises/$name.rs"
      features=()
      grep -q '^unfinished *=' "$tmp/$crate/Cargo.toml" && features=(--features unfinished)
      if (cd "$tmp/$crate" && CARGO_TARGET_DIR="$target/exercises-shipped" cargo build --quiet --release --offline "${features[@]}" --example "$name" 2>/dev/null); then
        shipped_out=$(EXERCISE_PROGRAM="$target/exercises-shipped/release/examples/$name" scripts/exercise.sh "$name" --quiet 2>&1)
      else
        shipped_out=$("$target/release/examples/${snake}_check" "$name" --did-not-compile --quiet 2>&1)
      fi
      status=$?
    else
      shipped_out=$(scripts/exercise.sh "$name" --quiet 2>&1)
      status=$?
    fi
    if [ $status -ne 1 ]; then
      echo "check-exercises: $name as shipped should fail its check (status 1), got $status: $shipped_out" >&2
      bad=1
    fi
    if [ ! -f "crates/$crate/exercises/solutions/$name.rs" ]; then
      echo "check-exercises: $name has no solution (crates/$crate/exercises/solutions/$name.rs)" >&2
      bad=1
      continue
    fi
    cargo build --quiet --release -p "$crate" --example "${name}_solution" || { bad=1; continue; }
    solved_out=$(EXERCISE_PROGRAM="$target/release/examples/${name}_solution" scripts/exercise.sh "$name" --quiet 2>&1)
    status=$?
    if [ $status -ne 0 ]; then
      echo "check-exercises: the solution of $name should pass its check, got $status: $solved_out" >&2
      bad=1
    fi
    printf 'check-exercises: as shipped %s\ncheck-exercises: solved     %s\n' "$shipped_out" "$solved_out"
  done
done
[ $bad -eq 0 ] && echo "check-exercises: all $n exercise(s) fail as shipped and pass when solved"
exit $bad
