# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# event-loop's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there). 50 clients: 104 tasks on one thread,
# 50 sockets in one poll(2); the run should take about the longest wait, not their sum.
if runs "$runs" "$bin/event-loop" --runtime both --clients 50 --step-ms 50; then
  longest=$(med longest_wait_s)
  ratio=$(calc 'a / b' "$(med elapsed_s)" "$longest")
  row event-loop "scratch loop, 104 tasks, 50 sockets, step 50 ms" "elapsed/longest wait $(fmt "$ratio")" "<= 1.5" "$(le "$ratio" 1.5)"
  row event-loop "  the same tasks on tokio current_thread" "elapsed/longest wait $(fmt "$(calc 'a / b' "$(med library_elapsed_s)" "$longest")")" "-" -
  row event-loop "  sum of the waits, for scale" "$(fmt "$(calc 'a / b' "$(med sum_of_waits_s)" "$longest")") x longest wait" "-" -
  # Neighbours finish 25 ms apart here: a loop held up longer than that (a busy machine)
  # may swap two of them, so this row reports and does not judge.
  row event-loop "  same finish order and values as tokio (last run)" "$(last same_results)" "-" -
fi
