# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# multitasking's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there): what one switch costs, at 100,000
# round trips a round, parts one and two kept as short as the flags allow.
if runs "$runs" "$bin/multitasking" --threads 1 --duration-ms 100 --sample-ms 50 --tick-ms 50 --spin-ms 30 --round-trips 100000; then
  task=$(med task_switch_ns) thread=$(med thread_handoff_ns)
  row multitasking "token hand-off, 2 tasks on 1 thread" "$(fmt "$task" 0) ns" "-" -
  row multitasking "  2 OS threads (Mutex + Condvar)" "$(fmt "$thread" 0) ns, $(fmt "$(calc 'a / b' "$thread" "$task")" 0)x the task" ">= 10x" "$(ge "$(calc 'a / b' "$thread" "$task")" 10)"
fi
