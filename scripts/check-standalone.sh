#!/usr/bin/env bash
# Checks that every crate stands alone, as a reader who copies one out would find it:
# each crates/<name> is copied to a temporary directory outside the workspace and built
# there with `cargo build --offline`. Then the flow README.md gives for starting your own
# program is followed on a second copy: the demo and its harness removed, the minimal
# program (examples/<example>.rs, named in [package.metadata.demo]) moved to src/main.rs,
# the package renamed, and `cargo run` must build it and exit 0. All copies share one
# target directory, so the dependencies build once. Fails loudly, naming the crate.
#
#   scripts/check-standalone.sh [crate ...]      (default: every crate)
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
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
    printf 'builds alone'
  else
    echo "DOES NOT BUILD ALONE"
    printf '%s\n' "$log" | tail -n 30 >&2
    bad+=("$name")
    continue
  fi

  # README.md's "Start your own program from a crate", step by step.
  example=$(sed -n 's/^example *= *"\(.*\)"$/\1/p' "$src/Cargo.toml" | head -n 1)
  if [ -z "$example" ] || [ ! -f "$src/examples/$example.rs" ]; then
    echo; echo "check-standalone: FAIL $name: no minimal program: set example = \"NAME\" under [package.metadata.demo] and add examples/NAME.rs" >&2
    bad+=("$name")
    continue
  fi
  mine="$tmp/my-$name"
  cp -r "$tmp/$name" "$mine"
  if log=$(cd "$mine" && rm -rf src tests python bench.sh && mkdir src &&
      mv "examples/$example.rs" src/main.rs &&
      sed -i.orig "s/^name = \"$name\"/name = \"my-$name\"/" Cargo.toml && rm Cargo.toml.orig &&
      CARGO_TARGET_DIR="$shared_target" cargo run --offline --quiet 2>&1 >/dev/null); then
    echo ", and starts as your own program from examples/$example.rs"
  else
    echo "; STARTED FROM examples/$example.rs IT FAILS"
    printf '%s\n' "$log" | tail -n 30 >&2
    bad+=("$name")
  fi
done

if [ ${#bad[@]} -gt 0 ]; then
  echo "check-standalone: FAILED: ${bad[*]} do not stand alone outside the workspace" >&2
  exit 1
fi
echo "check-standalone: all ${#crates[@]} crates build on their own"
