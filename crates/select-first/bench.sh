# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# select-first's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there): how soon select! returns against the
# shortest sleep, and the cancel-safety loss at a million messages (exact, not a median).
if runs "$runs" "$bin/select-first" --delay-ms 100 --messages 1000000; then
  ratio=$(calc 'a / 0.1' "$(med first_elapsed_s)")
  row select-first "select! over 100/200/300 ms sleeps" "elapsed/shortest $(fmt "$ratio" 3)" "<= 1.05" "$(le "$ratio" 1.05)"
  finished=$(calc 'a + b + c' "$(med losers_finished)" "$(med set_finished)" "$(med try_join_finished)")
  row select-first "  dropped futures that finished anyway" "$finished" "0" "$(le "$finished" 0)"
  lost=$(last lossy_lost) safe=$(last safe_lost)
  met=$([ "$lost" = 333333 ] && [ "$safe" = 0 ] && echo yes || echo NO)
  row select-first "1,000,000 messages, a tick every third" "lost $lost two-in-a-row, $safe one-per-poll" "333333 and 0" "$met"
fi
