# shellcheck shell=bash disable=SC2154 # sourced by scripts/bench.sh, which sets bin, runs, cores, tmp and the helpers
# chat-server's rows in `make bench` (scripts/bench.sh sources this file when the release
# binary exists; its helpers are documented there): 2,000 clients on the one server
# thread, and the slow readers with four times the lines.
if runs "$runs" "$bin/chat-server" --clients 10,100,1000,2000 --rounds 50 --lines 8192 --patience-ms 3000; then
  row chat-server "2000 clients, 50 rounds" "server threads $(med server_threads)" "= 1" "$(awk -v x="$(med server_threads)" 'BEGIN { print (x == 1) ? "yes" : "NO" }')"
  row chat-server "  fan-out to 999 others" "$(fmt "$(med fanout_ms_1000)" 2) ms" "-" "-"
  row chat-server "  fan-out to 1999 others" "$(fmt "$(med fanout_ms_2000)" 2) ms" "<= 200 ms" "$(le "$(med fanout_ms_2000)" 200)"
  row chat-server "  2000 / 1000 clients: fan-out ratio" "$(fmt "$(calc 'a / b' "$(med fanout_ms_2000)" "$(med fanout_ms_1000)")" 2)" "<= 3 (about linear)" "$(le "$(calc 'a / b' "$(med fanout_ms_2000)" "$(med fanout_ms_1000)")" 3)"
  row chat-server "  8192 lines, 1 stuck: fast worst" "$(fmt "$(med fast_worst_ms)" 1) ms" "< patience/10" "$(le "$(med fast_worst_ms)" 300)"
  row chat-server "  stuck reader dropped" "$(med dropped)" "= 1" "$(awk -v x="$(med dropped)" 'BEGIN { print (x == 1) ? "yes" : "NO" }')"
fi
