# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# io-vs-cpu's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there).
if runs "$runs" "$bin/io-vs-cpu" --latency-ms 100; then
  row io-vs-cpu "fetch (100 ms) + format + join + write" "I/O share $(fmt "$(med io_share)" 3)" ">= 0.99" "$(ge "$(med io_share)" 0.99)"
  row io-vs-cpu "  the two CPU steps" "$(fmt "$(med cpu_us)" 1) us" "-" -
  row io-vs-cpu "  the write step (page cache)" "$(fmt "$(med write_us)" 1) us" "-" -
fi
