# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# async-iterators's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there).
if runs "$runs" "$bin/async-iterators" --delay-ms 100; then
  row async-iterators "one 100 ms sleep" "slept/asked $(fmt "$(med ratio)" 3)" ">= 1.0" "$(ge "$(med ratio)" 1.0)"
fi
