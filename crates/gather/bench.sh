# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# gather's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there).
for count in 3 100000 1000000; do
  case $count in 3) goal=1.01 ;; 100000) goal=1.10 ;; 1000000) goal=1.25 ;; esac
  runs "$runs" "$bin/gather" --count "$count" --delay-ms 1000 || continue
  ratio=$(med ratio) rss=$(med_rss)
  row gather "$count coroutines, 1 s sleep each" "elapsed/sleep $(fmt "$ratio" 3)" "<= $goal" "$(le "$ratio" "$goal")"
  [ "$count" = 100000 ] && plain_s=$(med elapsed_s) plain_rss=$rss
  if [ "$count" = 3 ]; then
    base_rss=$rss
  elif [ -n "$rss" ]; then
    per=$(calc '(a - b) * 1024 / c' "$rss" "${base_rss:-0}" "$count")
    row gather "  peak RSS" "$(fmt "$(calc 'a / 1024' "$rss")" 1) MiB, $(fmt "$per" 0) B a coroutine" "-" -
  fi
done
runs "$runs" "$bin/gather" --blocking --count 3 --delay-ms 300 && ratio=$(med ratio) &&
  row gather "--blocking, 3 x 300 ms" "elapsed/(3 x sleep) $(fmt "$ratio" 3)" "about 1.0" "$(awk -v x="$ratio" 'BEGIN { print (x >= 0.95 && x <= 1.1) ? "yes" : "NO" }')"
# What --trace costs on the largest run drawn here: 100,000 coroutines, the first 100 of
# them as tracks, the counter of all of them. Goal: within 10% of the run without it
# (alternating runs here differed by up to 4% either way, with or without it).
if runs "$runs" "$bin/gather" --count 100000 --delay-ms 1000 --trace "$tmp/gather-trace.json"; then
  traced_s=$(med elapsed_s) traced_rss=$(med_rss)
  row gather "100000 coroutines with --trace" "$(fmt "$traced_s" 3) s, not $(fmt "${plain_s:-}" 3) s" "<= +10%" "$(le "$(calc 'a / b' "$traced_s" "${plain_s:-}")" 1.10)"
  row gather "  peak RSS with --trace" "$(fmt "$(calc 'a / 1024' "$traced_rss")" 1) MiB, not $(fmt "$(calc 'a / 1024' "${plain_rss:-}")" 1) MiB" "-" -
fi
