# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# io-bound's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there).
if runs 1 "$bin/io-bound" --requests 100 --latency-ms 100; then
  row io-bound "100 requests x 100 ms: threads" "$(fmt "$(last speedup_threads)" 1)x" ">= 30x" "$(ge "$(last speedup_threads)" 30)"
  row io-bound "100 requests x 100 ms: async, one thread" "$(fmt "$(last speedup_async)" 1)x, OS threads: $(last threads_async)" ">= 30x" "$(ge "$(last speedup_async)" 30)"
  row io-bound "  async: server's peak in progress" "$(last peak_async) of 100" "100" "$( [ "$(last peak_async)" = 100 ] && echo yes || echo NO)"
  row io-bound "100 requests: threads behind async" "$(fmt "$(last speedup_threads_behind_async)" 1)x" "-" -
  row io-bound "100 requests x 100 ms: pool of $(last pool)" "$(fmt "$(last speedup_pool)" 1)x" "-" -
  row io-bound "100 requests: ureq inside async (the mistake)" "$(fmt "$(last speedup_blocked_async)" 2)x" "-" -
fi
# Memory per request in flight, threads vs tasks: one method per run (so neither reuses
# memory the other freed), long latency so that all requests are in flight together.
# 1,000 requests use the embedded server; 10,000 need more open files than one process
# may hold with both ends of every connection, so the server runs in its own process.
iob_mem() { # LABEL ARGS...
  local label=$1 m; shift
  for m in threads async; do
    runs "$runs" "$bin/io-bound" --only "$m" "$@" || continue
    row io-bound "$label: $m" "$(fmt "$(med "kib_per_request_$m")" 1) KiB/request, OS threads: $(med "threads_$m")" "-" -
  done
}
iob_mem "1,000 requests in flight" --requests 1000 --latency-ms 2000
"$bin/io-bound" --serve 127.0.0.1:0 --latency-ms 3000 >"$tmp/iob-serve" 2>&1 &
iob_server=$!
for _ in $(seq 50); do grep -q '^serving' "$tmp/iob-serve" && break; sleep 0.1; done
iob_url=$(sed -n '1s/.* on \(http[^ ]*\) .*/\1/p' "$tmp/iob-serve")
[ -n "$iob_url" ] && iob_mem "10,000 requests in flight" --requests 10000 --latency-ms 3000 --url "$iob_url"
kill -INT "$iob_server" 2>/dev/null; wait "$iob_server" 2>/dev/null
