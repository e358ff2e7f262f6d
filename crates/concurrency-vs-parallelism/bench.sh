# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# concurrency-vs-parallelism's rows in `make bench` (scripts/bench.sh sources this file
# when the release binary exists; its helpers are documented there): longer mixing than
# the tour's, so two bakers' parallel mixing is measured over seconds, not a blink; and
# part two's two bakers, pinned to one core by the demo, with one core's worth at most.
if runs "$runs" "$bin/concurrency-vs-parallelism" --work-ms 500 --oven-ms 100 --steps 3; then
  two=$(med cores_mixing_two_bakers)
  want=$(calc '0.9 * (a < 2 ? a : 2)' "$cores")
  row concurrency-vs-parallelism "2 bakers, 3 x 500 ms mixing each" "$(fmt "$two") cores mixing" ">= $(fmt "$want" 1)" "$(ge "$two" "$want")"
  one=$(med cores_mixing_two_bakers_1core)
  row concurrency-vs-parallelism "  2 bakers pinned to 1 core" "$(fmt "$one") cores mixing" "<= 1.05" "$(le "$one" 1.05)"
  row concurrency-vs-parallelism "  sequential / two bakers, wall" "$(fmt "$(calc 'a / b' "$(med sequential_s)" "$(med two_bakers_s)")")x" "-" -
  row concurrency-vs-parallelism "  sequential / 1 baker on 1 core, wall" "$(fmt "$(calc 'a / b' "$(med sequential_s)" "$(med one_baker_1core_s)")")x" "> 1" "$(ge "$(calc 'a / b' "$(med sequential_s)" "$(med one_baker_1core_s)")" 1.01)"
fi
