# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# parallel-map's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there). The speedup is the sequential map's
# own CPU time over the pool's wall time (see the README), judged against the cores the
# demo itself could use (its `cores` key), so `taskset -c 0 make bench` asks for 0.9 x 1.
if runs "$cpu_runs" "$bin/parallel-map" --item-ms 20; then
  c=$(last cores)
  s=$(med speedup)
  row parallel-map "40 items on a pool of 30 threads" "$(fmt "$s")x ($(fmt "$(calc 'a / b' "$s" "$c")") x cores)" \
    ">= 0.9 x $c" "$(ge "$s" "$(calc '0.9 * a' "$c")")"
  row parallel-map "  the same with tiny items (overhead wins)" "$(fmt "$(med tiny_speedup)" 3)x" "-" -
fi
