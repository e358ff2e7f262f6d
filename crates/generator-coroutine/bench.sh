# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# generator-coroutine's rows in `make bench` (scripts/bench.sh sources this file when the
# release binary exists; its helpers are documented there): what one resume costs, timed
# over a million exchanges per round instead of the tour's hundred thousand.
if runs "$runs" "$bin/generator-coroutine" --time-exchanges 1000000; then
  row generator-coroutine "1,000,000 exchanges, hand-written" "$(fmt "$(med ns_per_exchange_state_machine)" 1) ns each" "-" -
  row generator-coroutine "  the same as an async block" "$(fmt "$(med ns_per_exchange_async)" 1) ns each" "-" -
fi
