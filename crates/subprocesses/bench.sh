# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# subprocesses' rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there): 50 children at once, an 8 MiB flood.
if runs "$runs" "$bin/subprocesses" --children 50 --lines 5 --every-ms 4 --timeout-ms 500 --flood-kib 8192; then
  row subprocesses "50 children x 5 lines: total / slowest" "$(fmt "$(calc 'a / b' "$(med total_s)" "$(med slowest_s)")" 3)" "<= 1.10" "$(le "$(calc 'a / b' "$(med total_s)" "$(med slowest_s)")" 1.10)"
  row subprocesses "  total / sum of the children's times" "$(fmt "$(calc 'a / b' "$(med total_s)" "$(med sum_s)")" 3)" "<= 0.10" "$(le "$(calc 'a / b' "$(med total_s)" "$(med sum_s)")" 0.10)"
  row subprocesses "  OS threads for 50 children" "$(med threads)" "= 1" "$(awk -v x="$(med threads)" 'BEGIN { print (x == 1) ? "yes" : "NO" }')"
  row subprocesses "  children left" "$(med children_left)" "= 0" "$(le "$(med children_left)" 0)"
  row subprocesses "  full pipe: written before it blocked" "$(med stuck_written) of $(med pipe_buffer)" "= pipe" "$(awk -v x="$(med stuck_written)" -v p="$(med pipe_buffer)" 'BEGIN { print (x == p) ? "yes" : "NO" }')"
  row subprocesses "  read while waiting: 8 MiB read" "$(med fixed_bytes)" "= 8388608" "$(awk -v x="$(med fixed_bytes)" 'BEGIN { print (x == 8388608) ? "yes" : "NO" }')"
fi
