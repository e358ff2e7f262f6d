#!/usr/bin/env bash
# The demos are written for Linux and macOS, and run here on Linux only. This check
# type-checks every crate for macOS (`cargo check --target x86_64-apple-darwin`, all
# targets: demos, examples, exercises, tests), which catches a Linux-only call left
# without its macOS path. It needs the target's standard library
# (`rustup target add x86_64-apple-darwin`) and skips, saying so, without it. io-bound
# and io-vs-cpu are left out: their HTTPS client's crypto (ring) builds C code for the
# target, which needs a macOS C compiler.
#
#   scripts/check-macos.sh
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
target=x86_64-apple-darwin
if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  echo "check-macos: the $target target is not installed (rustup target add $target); skipped"
  exit 0
fi
packages=()
for d in crates/*/; do
  c=$(basename "$d")
  case $c in io-bound | io-vs-cpu) continue ;; esac
  packages+=(-p "$c")
done
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/macos"
if ! out=$(cargo check --quiet --offline --keep-going "${packages[@]}" --all-targets --target "$target" --message-format short 2>&1); then
  printf '%s\n' "$out" | grep -E '^(crates/|error)' | head -n 30
  echo "check-macos: the crates above do not build for macOS" >&2
  exit 1
fi
echo "check-macos: $(( ${#packages[@]} / 2 )) crates type-check for macOS ($target)"
