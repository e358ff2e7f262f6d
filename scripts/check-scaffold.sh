#!/usr/bin/env bash
# Checks that `make new` scaffolds a crate that keeps every rule `make test` holds the real
# crates to: the scaffold is made in a scratch copy of the workspace (the working tree is
# not touched), then formatted, linted, its README code and its copies checked, and its
# tests run, the Python twin's included (they skip, saying so, without python3).
#
#   scripts/check-scaffold.sh
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
root=$PWD
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-scaffold.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/crates"
cp -r Cargo.toml Cargo.lock scripts "$tmp/"
: >"$tmp/scripts/demos"
cd "$tmp"
# Kept between runs (inside the workspace's ignored target/), so a second check is quick.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}/scaffold"
name=scaffold-probe
scripts/new-demo.sh "$name" >/dev/null
cargo fmt --all --check
cargo clippy --quiet --offline -p "$name" --all-targets -- -D warnings
scripts/readme-code.sh "$name" >/dev/null
scripts/check-copies.sh "$name" >/dev/null
cargo test --quiet --offline -p "$name" >"$tmp/test.log" 2>&1 || { cat "$tmp/test.log"; exit 1; }
git init --quiet && git add -A && git -c user.name=check -c user.email=check@localhost commit --quiet -m scaffold
scripts/check-exercises.sh "$name" >/dev/null
passed=$(awk '/^test result: ok\./ { n += $4 } END { print n + 0 }' "$tmp/test.log")
echo "check-scaffold: a crate made by make new passes fmt, clippy, the README and copies checks, its $passed tests and its exercise's check both ways"
