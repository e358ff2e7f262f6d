# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# gil's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there). CPU speedups are the 1-thread run's
# CPU time over each run's wall time, so a busy machine cannot inflate them.
if runs "$cpu_runs" "$bin/gil" --io-ops 2 --io-ms 10; then
  s=$(med speedup_gil)
  row gil "$cores CPU threads, emulated GIL" "$(fmt "$s")x" "<= 1.1x" "$(le "$s" 1.1)"
  cpu_row gil "$cores CPU threads, no lock" speedup_nogil
  cpu_row gil "$cores CPU threads, native code (GIL released)" speedup_native
  cpu_row gil "$cores processes, an emulated GIL each" speedup_procs
fi
if runs 1 "$bin/gil"; then
  row gil "$cores I/O threads, GIL released (8 x 50 ms)" "$(fmt "$(last speedup_io)")x" "-" -
fi
