#!/usr/bin/env bash
# Prints the demos in `make all` order (scripts/demos), one a line, keeping only
# those whose crate exists. The order lives in scripts/demos and nowhere else.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
while read -r name _; do
  case "$name" in '' | '#'*) continue ;; esac
  if [ -f "crates/$name/Cargo.toml" ]; then
    echo "$name"
  fi
done < scripts/demos
