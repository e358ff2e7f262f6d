# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# blocking-in-async's rows in `make bench` (scripts/bench.sh sources this file when the
# release binary exists; its helpers are documented there). Four tasks of 200 ms on two
# workers: each way's elapsed time in blocks, against what it can be at best on this
# machine, and the heartbeat's worst lateness where the runtime's thread stays free.
if runs "$runs" "$bin/blocking-in-async" --tasks 4 --block-ms 200 --workers 2; then
  cpu_best=$(calc '4 / (a < 2 ? a : 2)' "$cores")
  row blocking-in-async "4 x 200 ms std sleep, current_thread" "x block $(fmt "$(med current_sleep_x)")" "about 4" "$(le "$(med current_sleep_x)" 4.1)"
  row blocking-in-async "  same, multi_thread(2)" "x block $(fmt "$(med multi_sleep_x)")" "about 2" "$(le "$(med multi_sleep_x)" 2.1)"
  row blocking-in-async "  same, CPU loop, multi_thread(2)" "x block $(fmt "$(med multi_cpu_x)")" "about $(fmt "$cpu_best" 0) ($cores cores)" "$(le "$(med multi_cpu_x)" "$(calc 'a * 1.1' "$cpu_best")")"
  row blocking-in-async "  spawn_blocking(std sleep)" "x block $(fmt "$(med spawn_blocking_x)")" "about 1" "$(le "$(med spawn_blocking_x)" 1.1)"
  row blocking-in-async "  CPU loop on rayon(2), oneshot" "x block $(fmt "$(med rayon_x)")" "about $(fmt "$cpu_best" 0) ($cores cores)" "$(le "$(med rayon_x)" "$(calc 'a * 1.1' "$cpu_best")")"
  row blocking-in-async "  tokio::time::sleep" "x block $(fmt "$(med tokio_sleep_x)")" "about 1" "$(le "$(med tokio_sleep_x)" 1.1)"
  row blocking-in-async "  heartbeat late, worker blocked" "$(fmt "$(med current_sleep_late_ms)" 1) ms" ">= 200 ms" "$(ge "$(med current_sleep_late_ms)" 200)"
  row blocking-in-async "  heartbeat late, spawn_blocking" "$(fmt "$(med spawn_blocking_late_ms)" 1) ms" "<= 20 ms" "$(le "$(med spawn_blocking_late_ms)" 20)"
  row blocking-in-async "  heartbeat late, rayon" "$(fmt "$(med rayon_late_ms)" 1) ms" "<= 20 ms" "$(le "$(med rayon_late_ms)" 20)"
fi
