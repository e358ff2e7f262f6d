#!/usr/bin/env bash
# Some code must be the same in every crate, yet crates stand alone, so each holds a copy.
# scripts/template/ holds the one source of each; this check fails, naming the file, when
# a crate's copy differs from it (make test). To change one: edit the template, then copy.
#
#   src/output.rs           the summary writer and the output hook of the measured demo
#   tests/common/mod.rs     the helpers every crate's tests use
#   examples/*.rs           the region `// ANCHOR: output-hook` .. `// ANCHOR_END: output-hook`
#   python/*.py             the region `# ---- the command-line frame` .. `# ---- end of the frame`
#
#   scripts/check-copies.sh [crate ...]
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
t=scripts/template

# region FILE START END: the lines from the one matching START to the one matching END.
region() { awk -v s="$2" -v e="$3" 'index($0, s) == 1 { on = 1 } on { print } on && index($0, e) == 1 { exit }' "$1"; }

hook_start='// ANCHOR: output-hook' hook_end='// ANCHOR_END: output-hook'
frame_start='# ---- the command-line frame' frame_end='# ---- end of the frame'
hook=$(region "$t/examples/__SNAKE__.rs" "$hook_start" "$hook_end")
frame=$(region "$t/python/__NAME__.py" "$frame_start" "$frame_end")

if [ $# -gt 0 ]; then crates=("$@"); else crates=(); for d in crates/*/; do crates+=("$(basename "$d")"); done; fi
bad=0
differs() { echo "check-copies: $1 differs from its source $2 (copy the source over it, or change the source)" >&2; bad=1; }
for c in "${crates[@]}"; do
  d=crates/$c
  for f in src/output.rs tests/common/mod.rs; do
    cmp -s "$d/$f" "$t/$f" || differs "$d/$f" "$t/$f"
  done
  for f in "$d"/examples/*.rs; do
    [ -f "$f" ] || continue
    [ "$(region "$f" "$hook_start" "$hook_end")" = "$hook" ] || differs "$f (its output-hook region)" "$t/examples/__SNAKE__.rs"
  done
  for f in "$d"/python/*.py; do
    [ -f "$f" ] || continue
    [ "$(region "$f" "$frame_start" "$frame_end")" = "$frame" ] || differs "$f (its command-line frame)" "$t/python/__NAME__.py"
  done
done
[ $bad -eq 0 ] && echo "check-copies: every copy in ${#crates[@]} crate(s) matches scripts/template/"
exit $bad
