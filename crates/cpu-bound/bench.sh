# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# cpu-bound's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there). Each run takes 3 rounds of the four
# ways in turn (median round) at 4x the default size, and the row is the median of
# $cpu_runs runs. The speedup is judged against the cores the demo itself could use (its
# `cores` key), so under `taskset -c 0 make bench` the goal is 0.9 x 1, not 0.9 x 2.
if runs "$cpu_runs" "$bin/cpu-bound" --size 20000000 --rounds 3 --factorial 0; then
  c=$(last cores)
  for m in threads processes rayon; do
    s=$(med "speedup_$m")
    row cpu-bound "20 jobs, size 20,000,000: $m" "$(fmt "$s")x ($(fmt "$(calc 'a / b' "$s" "$c")") x cores)" \
      ">= 0.9 x $c" "$(ge "$s" "$(calc '0.9 * a' "$c")")"
  done
fi
