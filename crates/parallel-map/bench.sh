# parallel-map's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there).
if runs "$cpu_runs" "$bin/parallel-map"; then
  cpu_row parallel-map "40 items on a pool of 30 threads" speedup
  row parallel-map "  the same with tiny items (overhead wins)" "$(fmt "$(med tiny_speedup)" 3)x" "-" -
fi
