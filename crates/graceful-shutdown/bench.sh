# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# graceful-shutdown's rows in `make bench` (scripts/bench.sh sources this file when the
# release binary exists; its helpers are documented there): the shutdown time against the
# grace it was given (the stuck job holds every shutdown to its grace, then is aborted).
for grace in 100 500 2000; do
  runs "$runs" "$bin/graceful-shutdown" --grace-ms "$grace" || continue
  shutdown=$(med shutdown_s) over=$(calc '(a - b / 1000) * 1000' "$(med shutdown_s)" "$grace")
  row graceful-shutdown "SIGINT, grace $grace ms" "shutdown $(fmt "$shutdown" 3) s (+$(fmt "$over" 1) ms)" "<= grace + 25 ms" "$(le "$over" 25)"
  if [ "$grace" = 500 ]; then
    ended="$(last completed)/$(last stopped)/$(last aborted), unjoined completed $(last unjoined_completed)"
    met=$([ "$ended" = "1/2/1, unjoined completed 0" ] && echo yes || echo NO)
    row graceful-shutdown "  completed/stopped/aborted; main without join" "$ended" "1/2/1, 0" "$met"
  fi
done
