# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# async-iterators's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there): 500 items (the run: 100), 200 jobs (16), 50 in flight.
if runs "$runs" "$bin/async-iterators" --items 500 --buffer 16 --jobs 200 --job-ms 5 --in-flight 50; then
  row async-iterators "steps before the first poll: hand / unfold / channel" "$(med hand_before) / $(med unfold_before) / $(med channel_before)" "0 / 0 / 16" "$(awk -v a="$(med hand_before)" -v b="$(med unfold_before)" -v c="$(med channel_before)" 'BEGIN { print (a == 0 && b == 0 && c == 16) ? "yes" : "NO" }')"
  row async-iterators "  500 items, buffer 16: most ahead, bounded" "$(med bounded_ahead)" "<= 16" "$(le "$(med bounded_ahead)" 16)"
  row async-iterators "  most ahead, unbounded" "$(med unbounded_ahead)" ">= 450" "$(ge "$(med unbounded_ahead)" 450)"
  row async-iterators "  200 jobs of 5 ms: buffer_unordered(50) speedup" "$(fmt "$(med speedup)" 1)x" ">= 10x" "$(ge "$(med speedup)" 10)"
  row async-iterators "  the Drop's spawned close lost at the runtime's end" "$(med drop_lost)" "= 1" "$(awk -v x="$(med drop_lost)" 'BEGIN { print (x == 1) ? "yes" : "NO" }')"
fi
