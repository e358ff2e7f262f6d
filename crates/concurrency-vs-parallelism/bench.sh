# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# concurrency-vs-parallelism's rows in `make bench` (scripts/bench.sh sources this file
# when the release binary exists; its helpers are documented there): longer mixing than
# the tour's, so two bakers' parallel mixing is measured over seconds, not a blink.
if runs "$runs" "$bin/concurrency-vs-parallelism" --work-ms 500 --oven-ms 100 --steps 3; then
  two=$(med mixing_parallelism_two_bakers)
  want=$(calc '0.9 * (a < 2 ? a : 2)' "$cores")
  row concurrency-vs-parallelism "2 bakers, 3 x 500 ms mixing each" "$(fmt "$two") cores mixing" ">= $(fmt "$want" 1)" "$(ge "$two" "$want")"
  row concurrency-vs-parallelism "  1 baker (concurrency only)" "$(fmt "$(med mixing_parallelism_one_baker)") cores mixing" "<= 1.05" "$(le "$(med mixing_parallelism_one_baker)" 1.05)"
  row concurrency-vs-parallelism "  sequential / two bakers, wall" "$(fmt "$(calc 'a / b' "$(med sequential_s)" "$(med two_bakers_s)")")x" "-" -
fi
