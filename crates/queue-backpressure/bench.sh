# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# queue-backpressure's rows in `make bench` (scripts/bench.sh sources this file when the
# release binary exists; its helpers are documented there).
qb_eq() { awk -v x="$1" -v y="$2" 'BEGIN { print (x != "" && x + 0 == y + 0) ? "yes" : "NO" }'; }
if runs "$runs" "$bin/queue-backpressure" --items 1000000 --work-ms 0 --item-bytes 64 --throughput-items 1000000; then
  wb=$(med waiting_bounded) wu=$(med waiting_unbounded) hb=$(med heap_bytes_bounded) hu=$(med heap_bytes_unbounded)
  row queue-backpressure "1,000,000 items of 64 B, bounded queue (8)" "$wb waiting, $(fmt "$(calc 'a / 1024' "$hb")" 1) KiB heap" "= 8 waiting" "$(qb_eq "$wb" 8)"
  row queue-backpressure "  unbounded queue" "$wu waiting, $(fmt "$(calc 'a / 1048576' "$hu")" 1) MiB ($(fmt "$(calc 'a / b' "$hu" "$wu")" 0) B an item)" "= 1000000 waiting" "$(qb_eq "$wu" 1000000)"
  row queue-backpressure "  each item consumed once" "$(last consumed_once)" "true" "$([ "$(last consumed_once)" = true ] && echo yes || echo NO)"
  row queue-backpressure "  one bounded queue, no work" "$(fmt "$(calc 'a / 1e6' "$(med items_per_s)")" 2) M items/s" "-" -
fi
