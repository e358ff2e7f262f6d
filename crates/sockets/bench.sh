# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# sockets's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there).
if runs "$runs" "$bin/sockets" --server nonblocking --clients 10000 --delay-ms 100; then
  ratio=$(med nonblocking_ratio)
  row sockets "non-blocking server, 10,000 clients x 100 ms" "elapsed/delay $(fmt "$ratio")" "<= 2.0" "$(le "$ratio" 2.0)"
  row sockets "  time to connect and greet all 10,000" "$(fmt "$(med last_greeted_ms)" 0) ms" "-" -
  row sockets "  peak RSS (larger of server, clients)" "$(fmt "$(calc 'a / 1024' "$(med_rss)")" 1) MiB" "-" -
fi
# The same 10,000 clients with a wait long enough to hide the cost of connecting them.
runs 1 "$bin/sockets" --server nonblocking --clients 10000 --delay-ms 1000 &&
  row sockets "non-blocking server, 10,000 clients x 1 s" "elapsed/delay $(fmt "$(med nonblocking_ratio)")" "-" -
runs 1 "$bin/sockets" --server blocking --clients 20 --delay-ms 100 && ratio=$(med blocking_ratio) &&
  row sockets "blocking server, 20 clients x 100 ms" "elapsed/(20 x delay) $(fmt "$ratio")" "about 1.0" "$(awk -v x="$ratio" 'BEGIN { print (x >= 0.95 && x <= 1.3) ? "yes" : "NO" }')"
