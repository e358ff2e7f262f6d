# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# shared-state's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there).
if runs "$runs" "$bin/shared-state" --tasks 1000 --delay-ms 1 --cost-updates 1000000; then
  row shared-state "1000 tasks: read, 1 ms await, write" "counter $(med counter_lost) of 1000" "<= 500" "$(le "$(med counter_lost)" 500)"
  row shared-state "  tokio Mutex across the await" "counter $(med counter_async_lock), $(fmt "$(med ratio_async_lock)") x 1000 delays" "= 1000" "$(awk -v x="$(med counter_async_lock)" 'BEGIN { print (x == 1000) ? "yes" : "NO" }')"
  row shared-state "  one update: tokio Mutex / std Mutex / atomic" "$(fmt "$(med ns_async_lock)" 1) / $(fmt "$(med ns_sync_lock)" 1) / $(fmt "$(med ns_one_step)" 1) ns" "-" -
fi
