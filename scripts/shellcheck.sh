#!/usr/bin/env bash
# Lints the project's shell (the scripts, each crate's bench.sh fragment and .ci/run)
# with the linter of that name (Debian's and Homebrew's package). Without it, says so and passes:
# `make test` must not need anything beyond a Rust toolchain and make.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
if ! command -v shellcheck >/dev/null 2>&1; then
  echo "shellcheck: not installed, skipped (apt install shellcheck, or brew install shellcheck)"
  exit 0
fi
files=(scripts/*.sh scripts/template/bench.sh crates/*/bench.sh .ci/run)
shellcheck -x "${files[@]}"
echo "shellcheck: ${#files[@]} files clean"
