# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# deadlock's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there): 100 rounds of 5 ms a thread, a 2 s
# deadline.
if runs "$runs" "$bin/deadlock" --deadline-ms 2000 --work-ms 5 --rounds 100; then
  row deadlock "opposite order, deadline 2 s: stuck" "$(med stuck), cycle $(last cycle)" "= 2" "$(awk -v x="$(med stuck)" 'BEGIN { print (x == 2) ? "yes" : "NO" }')"
  row deadlock "  seen after / deadline" "$(fmt "$(calc 'a / 2' "$(med detected_s)")" 3)" "<= 1.10" "$(le "$(calc 'a / 2' "$(med detected_s)")" 1.10)"
  row deadlock "  children left" "$(med children_left)" "= 0" "$(le "$(med children_left)" 0)"
  row deadlock "  one order, 2 x 100 x 5 ms: time / 1 s" "$(fmt "$(calc 'a / 1' "$(med ordered_s)")" 3)" "<= 1.30" "$(le "$(med ordered_s)" 1.30)"
  row deadlock "  try_lock: time / one order's" "$(fmt "$(med cost)" 2), $(med backoffs) back-offs" "-" "-"
  row deadlock "  async: OS threads while it hangs" "$(med async_threads)" "= 1" "$(awk -v x="$(med async_threads)" 'BEGIN { print (x == 1) ? "yes" : "NO" }')"
fi
