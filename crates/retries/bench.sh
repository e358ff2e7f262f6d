# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# retries's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there): 1,000 calls at 500 a second, the
# service down for the middle second.
if runs "$runs" "$bin/retries" --calls 1000 --spread-ms 2000 --outage-from-ms 500 --outage-to-ms 1500; then
  row retries "1000 calls, 1 s outage: retry at once, load" "$(fmt "$(med load_now)" 2)x" ">= 2.0" "$(ge "$(med load_now)" 2.0)"
  row retries "  while down: service rps / offered (500)" "$(fmt "$(calc 'a / 500' "$(med outage_rps_now)")" 2)" ">= 3.0" "$(ge "$(calc 'a / 500' "$(med outage_rps_now)")" 3.0)"
  row retries "  breaker: load / retry at once's" "$(fmt "$(calc 'a / b' "$(med load_breaker)" "$(med load_now)")" 2), $(med shed) shed" "<= 0.5" "$(le "$(calc 'a / b' "$(med load_breaker)" "$(med load_now)")" 0.5)"
  row retries "  back-off: slowest call / deadline" "$(fmt "$(calc 'a / b' "$(med slowest_backoff_ms)" "$(med deadline_ms)")" 2)" "<= 1.10" "$(le "$(calc 'a / b' "$(med slowest_backoff_ms)" "$(med deadline_ms)")" 1.10)"
  row retries "  ok %: once / now / back-off / breaker" "$(med ok_once) / $(med ok_now) / $(med ok_backoff) / $(med ok_breaker)" "-" "-"
fi
