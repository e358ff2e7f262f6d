# io-bound's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there).
if runs 1 "$bin/io-bound" --requests 100 --latency-ms 100; then
  row io-bound "100 requests x 100 ms: threads" "$(fmt "$(last speedup_threads)" 1)x" ">= 30x" "$(ge "$(last speedup_threads)" 30)"
  row io-bound "100 requests x 100 ms: async (spawn_blocking)" "$(fmt "$(last speedup_async)" 1)x" ">= 30x" "$(ge "$(last speedup_async)" 30)"
  row io-bound "100 requests x 100 ms: pool of $(last pool)" "$(fmt "$(last speedup_pool)" 1)x" "-" -
  row io-bound "100 requests: ureq inside async (the mistake)" "$(fmt "$(last speedup_blocked_async)" 2)x" "-" -
fi
