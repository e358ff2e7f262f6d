#!/usr/bin/env bash
# Checks that every crate stands alone, as a reader who copies one out would find it:
# each crates/<name> is copied to a temporary directory outside the workspace and built
# there with `cargo build --offline`. All copies share one target directory, so the
# dependencies build once. Fails loudly, naming the crate, if one does not stand alone.
#
#   scripts/check-standalone.sh [crate ...]      (default: every crate)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ $# -gt 0 ]; then
  crates=("$@")
else
  crates=()
  for d in crates/*/; do
    [ -f "$d/Cargo.toml" ] && crates+=("$(basename "$d")")
  done
fi
[ ${#crates[@]} -gt 0 ] || { echo "check-standalone: no crates to check"; exit 0; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/standalone.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Kept between runs (inside the workspace's ignored target/), so a second check is quick.
shared_target="${CARGO_TARGET_DIR:-$root/target}/standalone"

bad=()
for name in "${crates[@]}"; do
  src="crates/$name"
  if grep -nE 'workspace *= *true|\{[^}]*path *=' "$src/Cargo.toml" >/dev/null; then
    echo "check-standalone: FAIL $name: Cargo.toml inherits from the workspace or has a path dependency:" >&2
    grep -nE 'workspace *= *true|\{[^}]*path *=' "$src/Cargo.toml" >&2
    bad+=("$name")
    continue
  fi
  mkdir -p "$tmp/$name"
  # Copy the crate's own files only: never a stray target/ directory.
  (cd "$src" && tar --exclude=./target -cf - .) | (cd "$tmp/$name" && tar -xf -)
  printf 'check-standalone: %-28s ' "$name"
  if log=$(CARGO_TARGET_DIR="$shared_target" cargo build --offline --quiet \
      --manifest-path "$tmp/$name/Cargo.toml" 2>&1); then
    echo "builds alone"
  else
    echo "DOES NOT BUILD ALONE"
    printf '%s\n' "$log" | tail -n 30 >&2
    bad+=("$name")
  fi
done

if [ ${#bad[@]} -gt 0 ]; then
  echo "check-standalone: FAILED: ${bad[*]} do not stand alone outside the workspace" >&2
  exit 1
fi
echo "check-standalone: all ${#crates[@]} crates build on their own"
