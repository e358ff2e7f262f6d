# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# events' rows in `make bench` (scripts/bench.sh sources this file when the release binary
# exists; its helpers are documented there): 100,000 waiters, a million updates.
if runs "$runs" "$bin/events" --waiters 100000 --late 1000 --updates 1000000 --parties 1000 --stagger-ms 1; then
  row events "one Notify, 100000 waiters: released" "$(med released)" "= 100000" "$(awk -v x="$(med released)" 'BEGIN { print (x == 100000) ? "yes" : "NO" }')"
  row events "  the last one ran after the signal" "$(fmt "$(med release_ms)" 1) ms" "-" "-"
  row events "  1000 latecomers: edge / permit / level" "$(med edge_woke) / $(med permit_woke) / $(med level_woke)" "0 / 1 / 1000" "$(awk -v a="$(med edge_woke)" -v b="$(med permit_woke)" -v c="$(med level_woke)" 'BEGIN { print (a == 0 && b == 1 && c == 1000) ? "yes" : "NO" }')"
  row events "  watch: seen of 1000000 sent" "$(med seen), last $(last latest_ok)" "< 1%" "$(le "$(med seen)" 10000)"
  row events "  barrier of 1000: release spread" "$(fmt "$(med release_spread_ms)" 2) ms" "<= 50 ms" "$(le "$(med release_spread_ms)" 50)"
fi
