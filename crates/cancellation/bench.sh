# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# cancellation's rows in `make bench` (scripts/bench.sh sources this file when the
# release binary exists; its helpers are documented there). The counts are exact in every
# run; the row checks them over several runs, and the time against the waits it asks for.
if runs "$runs" "$bin/cancellation" --work-ms 200 --timeout-ms 50; then
  ok=0
  for ((i = 1; i <= runs_done; i++)); do
    got=""
    for k in timeout_future timeout_handle abort abort_blocking never_awaited spawned detached; do
      got+="$(summary_value "$k" "$tmp/out.$i") "
    done
    [ "$got" = "cancelled finished cancelled finished never_ran finished finished " ] && ok=$((ok + 1))
  done
  row cancellation "7 cases, job 200 ms, caller 50 ms" "$ok of $runs_done runs counted as claimed" "all" "$([ "$ok" = "$runs_done" ] && echo yes || echo NO)"
  ratio=$(calc 'a / b' "$(med elapsed_s)" "$(med ideal_s)")
  row cancellation "  elapsed / waits asked for" "$(fmt "$ratio" 3)" "<= 1.2" "$(le "$ratio" 1.2)"
fi
