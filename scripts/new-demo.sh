#!/usr/bin/env bash
# Scaffolds a new demo crate in the project's shape (CONTRIBUTING.md) that already passes
# `make test`: a standalone Cargo.toml with its [package.metadata.demo], the minimal
# program in examples/, src/main.rs that leads with the idea and a report module with the
# summary struct, tests/common and tests that run the binary and the example, a Python
# twin, a bench.sh fragment, and a README whose Rust is drawn from the compiled files.
# The files come from scripts/template/, with __NAME__ and __SNAKE__ filled in. It also
# appends the crate to scripts/demos, so `make all` runs it last.
#
#   scripts/new-demo.sh NAME        (NAME in kebab-case, e.g. thread-pool)
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1

name=${1:-}
if [ -z "$name" ]; then
  echo "usage: scripts/new-demo.sh NAME   (or: make new NAME=...)" >&2
  exit 2
fi
if ! [[ "$name" =~ ^[a-z][a-z0-9]*(-[a-z0-9]+)*$ ]]; then
  echo "error: '$name' is not a kebab-case crate name (lowercase letters, digits, single dashes)" >&2
  exit 2
fi
dir="crates/$name"
if [ -e "$dir" ]; then
  echo "error: $dir already exists; pick another name" >&2
  exit 1
fi
snake=${name//-/_}
if ls crates/*/examples/"$snake".rs >/dev/null 2>&1; then
  echo "error: an example named $snake already exists (examples share one folder); pick another name" >&2
  exit 1
fi

# The crate is made in a temporary folder and moved into crates/ once its files are
# written and formatted; if a later step fails, it is removed again: a failed scaffold
# leaves nothing half-made behind.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/new-demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
work=$tmp/$name
while read -r f; do
  out="$work/${f//__SNAKE__/$snake}"
  out=${out//__NAME__/$name}
  mkdir -p "$(dirname "$out")"
  sed -e "s/__NAME__/$name/g" -e "s/__SNAKE__/$snake/g" "scripts/template/$f" >"$out"
done < <(cd scripts/template && find . -type f)
rustfmt --edition 2024 "$work"/src/*.rs "$work"/examples/*.rs "$work"/tests/*.rs "$work"/tests/*/*.rs \
  "$work"/exercises/*.rs "$work"/exercises/solutions/*.rs
mv "$work" "$dir"
trap 'rm -rf "$tmp" "$dir"' EXIT
scripts/readme-code.sh --fix "$name" >/dev/null
trap 'rm -rf "$tmp"' EXIT
if ! grep -qx "$name" scripts/demos; then
  echo "$name" >> scripts/demos
fi
echo "created $dir (and added it to scripts/demos); try: cargo run -p $name, cargo test -p $name"
