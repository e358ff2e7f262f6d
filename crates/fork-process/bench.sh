# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# fork-process's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there). `speedup` is the sequential run's CPU
# time over the forked run's wall time, so a busy machine cannot inflate it.
if runs "$cpu_runs" "$bin/fork-process" --children "$cores" --size 2000000000; then
  cpu_row fork-process "$cores children, size 2,000,000,000" speedup
  t=$(med thread_start_join_us) f=$(med fork_reap_us)
  row fork-process "start and finish: a thread vs a process" "$(fmt "$t" 1) us vs $(fmt "$f" 1) us" "thread < process" "$(ge "$f" "$t")"
fi
# Note 004: sharing with a process is slower than with a thread. The same buffer handed
# to a thread (a reference) and to a child (its bytes through a pipe), from 1 KiB to
# 256 MiB; the row is the largest, where the copy through the kernel is nearly all of it.
if runs "$runs" "$bin/fork-process" --children 1 --size 1000 --handoff-mib 256; then
  t=$(med handoff_thread_ms) p=$(med handoff_pipe_ms)
  row fork-process "256 MiB to a thread vs to a child (pipe)" "$(fmt "$t" 1) ms vs $(fmt "$p" 1) ms" "thread < pipe" "$(ge "$p" "$t")"
fi
