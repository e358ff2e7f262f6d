# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# process-thread-identity's rows in `make bench` (scripts/bench.sh sources this file when
# the release binary exists; its helpers are documented there): a thousand threads alive
# at once, every one of them counted by the operating system, and what they cost.
if runs "$runs" "$bin/process-thread-identity" --threads 1000; then
  extra=$(calc 'a - b' "$(med threads_during)" "$(med threads_before)")
  row process-thread-identity "1000 threads alive at once" "the OS counts $(fmt "$extra" 0) more" "= 1000" "$(awk -v x="$extra" 'BEGIN { print (x == 1000) ? "yes" : "NO" }')"
  [ -n "$(med_rss)" ] && [ "$(med_rss)" != nan ] &&
    row process-thread-identity "  peak RSS" "$(fmt "$(calc 'a / 1024' "$(med_rss)")" 1) MiB" "-" -
fi
