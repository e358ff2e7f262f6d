# cpu-bound's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there).
if runs "$cpu_runs" "$bin/cpu-bound" --size 20000000 --factorial 0; then
  for m in threads processes rayon; do
    cpu_row cpu-bound "20 jobs, size 20,000,000: $m" "speedup_$m"
  done
fi
