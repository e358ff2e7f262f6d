# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# semaphore's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there).
if runs "$runs" "$bin/semaphore" --requests 1000 --limit 10 --latency-ms 50; then
  row semaphore "1000 requests x 50 ms, limit 10" "server peak $(med peak_semaphore)" "= 10" "$(awk -v x="$(med peak_semaphore)" 'BEGIN { print (x == 10) ? "yes" : "NO" }')"
  row semaphore "  tasks alive at once" "$(med tasks_semaphore)" "= 10" "$(awk -v x="$(med tasks_semaphore)" 'BEGIN { print (x == 10) ? "yes" : "NO" }')"
  row semaphore "  wall / (1000 / 10 x 50 ms)" "$(fmt "$(med ratio_semaphore)" 3)" "<= 1.10" "$(le "$(med ratio_semaphore)" 1.10)"
  row semaphore "  buffer_unordered(10): wall / ideal" "$(fmt "$(med ratio_buffered)" 3), peak $(med peak_buffered)" "<= 1.10" "$(le "$(med ratio_buffered)" 1.10)"
  row semaphore "  no limit: server peak" "$(med peak_unlimited)" "= 1000" "$(awk -v x="$(med peak_unlimited)" 'BEGIN { print (x == 1000) ? "yes" : "NO" }')"
fi
